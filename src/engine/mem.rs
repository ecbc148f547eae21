//! Large zeroed columns, faulted in by one system call instead of one page fault per page.

/// A vector of `len` zeros, its pages populated at once.
pub(crate) fn zeroed(len: usize) -> Vec<f64> {
    let mut v = vec![0.0f64; len];
    populate(&mut v);
    v
}

/// `v` made to hold `len` values, whatever they were (every one is to be overwritten): its
/// allocation is reused when large enough, else freed before a new one is made through
/// [`zeroed`], so the two are never held at once.
pub(crate) fn reuse(v: &mut Vec<f64>, len: usize) {
    if v.capacity() < len {
        drop(std::mem::take(v));
        *v = zeroed(len);
    } else {
        v.resize(len, 0.0);
    }
}

/// Below this size the advice is not worth a system call.
const MIN_BYTES: usize = 4 << 20;

#[cfg(target_os = "linux")]
fn populate(v: &mut [f64]) {
    const PAGE: usize = 4096;
    let bytes = std::mem::size_of_val(v);
    if bytes < MIN_BYTES {
        return;
    }
    let start = v.as_mut_ptr() as usize;
    let first = start.next_multiple_of(PAGE);
    let end = (start + bytes) / PAGE * PAGE;
    if end <= first {
        return;
    }
    let _ = unsafe {
        rustix::mm::madvise(
            first as *mut std::ffi::c_void,
            end - first,
            rustix::mm::Advice::LinuxPopulateWrite,
        )
    };
}

#[cfg(not(target_os = "linux"))]
fn populate(_: &mut [f64]) {
    let _ = MIN_BYTES;
}

//! Large columns: zeroed ones faulted in by one system call instead of one page fault per
//! 4 KiB page. A run of 1,000,000 paths fills a few hundred MB of columns (a block of
//! regions, the aggregates' sums, each worker's cumulative columns); faulting them in page
//! by page cost 0.8 s of system time on the 2-core development machine (a virtual machine,
//! where a fault is expensive), `MADV_POPULATE_WRITE` (Linux 5.14) about a fifth of it.
//! The advice changes no value: the memory is zeroed either way, and a kernel that does
//! not know it refuses it harmlessly. The kernel zeroes the pages on the thread that asks,
//! so a large vector is populated in pieces on the current rayon pool: at 1,000,000 paths
//! the aggregates' 280 MB took 150 ms on one thread, a time the other core sat idle.
//! (`MADV_HUGEPAGE` was tried too: compacting memory for huge pages made runs slower and
//! their times erratic.)
//!
//! The engine's tasks copy their tiles into the columns of a large block with
//! [`stream_copy`], whose stores bypass the caches (see [`STREAM_BYTES`]).

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

/// Below this size the advice is not worth a system call (and a small block may share
/// pages with other allocations: populating those is harmless but pointless).
const MIN_BYTES: usize = 4 << 20;
/// The pieces populated in parallel (a multiple of the page size).
const PIECE_BYTES: usize = 8 << 20;

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
    use rayon::prelude::*;
    (first..end)
        .into_par_iter()
        .step_by(PIECE_BYTES)
        .for_each(|at| {
            let len = PIECE_BYTES.min(end - at);
            // SAFETY: [at, at + len) lies within [first, end), within `v`'s allocation,
            // and is page-aligned; populating writable pages never changes their
            // contents (zeros), and `v` is borrowed mutably throughout, so no other code
            // touches them. Failure is ignored: the pages are then faulted in one by one
            // as before.
            let _ = unsafe {
                rustix::mm::madvise(
                    at as *mut std::ffi::c_void,
                    len,
                    rustix::mm::Advice::LinuxPopulateWrite,
                )
            };
        });
}

#[cfg(not(target_os = "linux"))]
fn populate(_: &mut [f64]) {
    let _ = (MIN_BYTES, PIECE_BYTES);
}

/// The columns from which the engine writes with [`stream_copy`] (bytes of a block and
/// the sums it adds to). Smaller ones are read back (summarised) while they are still in
/// cache, and bypassing it made sensitivity analysis at 1,000 paths 16 % slower; at
/// 1,000,000 paths (a block of 280 MB) it saved 2 % of the run's CPU time.
pub(crate) const STREAM_BYTES: usize = 64 << 20;

/// How to copy into columns of `values` values in all: [`stream_copy`] from
/// [`STREAM_BYTES`] on, the usual copy below. A large block is read back only after the
/// caches have cycled, so its stores skip them; a small one (sensitivity analysis's
/// thousand paths) is summarised while it is still in cache.
pub(crate) fn copier(values: usize) -> fn(&mut [f64], &[f64]) {
    if values * std::mem::size_of::<f64>() >= STREAM_BYTES {
        stream_copy
    } else {
        <[f64]>::copy_from_slice
    }
}

/// Copies `src` into `dst` (of one length) with stores that bypass the caches where the
/// machine has them (x86-64's non-temporal stores): a block's columns are hundreds of MB,
/// written once and read back only after the whole block is written, so caching them
/// only costs a read of every line before it is written. The values are copied bit for
/// bit either way. Call [`fence`] before other threads read `dst`.
pub(crate) fn stream_copy(dst: &mut [f64], src: &[f64]) {
    assert_eq!(
        dst.len(),
        src.len(),
        "stream_copy needs slices of one length"
    );
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_loadu_pd, _mm_stream_pd};
        let n = dst.len();
        // f64 is 8-byte aligned: at most one value before a 16-byte boundary.
        let head = usize::from(!(dst.as_ptr() as usize).is_multiple_of(16)).min(n);
        dst[..head].copy_from_slice(&src[..head]);
        let mut i = head;
        while i + 2 <= n {
            // SAFETY: SSE2 is part of x86-64; i + 2 ≤ n keeps both pointers in their
            // slices, and dst + i is 16-byte aligned (head made it so, steps are 16 bytes).
            unsafe { _mm_stream_pd(dst.as_mut_ptr().add(i), _mm_loadu_pd(src.as_ptr().add(i))) };
            i += 2;
        }
        dst[i..].copy_from_slice(&src[i..]);
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// Orders the [`stream_copy`] stores of this thread before its later stores, so that a
/// thread that synchronises with it afterwards (the pool's join) sees them.
pub(crate) fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn populated_buffers_hold_zeros_and_a_reused_one_keeps_its_allocation() {
        let v = super::zeroed(1 << 20);
        assert!(v.len() == 1 << 20 && v.iter().all(|&x| x == 0.0));
        let mut w = vec![1.0; 1 << 20];
        let at = w.as_ptr();
        super::reuse(&mut w, 1000);
        assert_eq!((w.len(), w.as_ptr()), (1000, at));
        super::reuse(&mut w, 1 << 21);
        assert!(w.len() == 1 << 21 && w[1000..].iter().all(|&x| x == 0.0));
    }

    #[test]
    fn streamed_copies_are_bit_for_bit_at_any_length_and_alignment() {
        let src: Vec<f64> = (0..40)
            .map(|i| f64::from_bits(0x7ff8_0000_0000_0001 + i * 0x0123_4567_89ab))
            .chain([-0.0, f64::INFINITY, 1.5, f64::MIN_POSITIVE / 3.0])
            .collect();
        for len in 0..=src.len() {
            // Destinations starting on and off a 16-byte boundary; the values around them
            // untouched.
            for at in 0..3 {
                let mut dst = vec![7.0f64; len + 4];
                super::stream_copy(&mut dst[at..at + len], &src[..len]);
                super::fence();
                let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&dst[at..at + len]),
                    bits(&src[..len]),
                    "len {len} at {at}"
                );
                assert!(dst[..at].iter().chain(&dst[at + len..]).all(|&x| x == 7.0));
            }
        }
    }
}

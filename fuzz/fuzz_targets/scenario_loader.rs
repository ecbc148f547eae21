//! Coverage-guided fuzzing of the scenario loader (cargo-fuzz / libFuzzer). The input is a
//! scenario file `s.toml`, loaded from memory beside the seed scenarios it may extend
//! (`one-city.toml`, `province.toml`, `child.toml` from tests/fuzz-seeds). Loading must
//! give a scenario or a scenario error, never a panic; a scenario that validates is
//! simulated on 4 paths and every value must be finite.

#![no_main]

use empsim::Scenario;
use empsim::scenario::load::InMemory;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn seeds() -> &'static InMemory {
    static FILES: OnceLock<InMemory> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut m = InMemory::default();
        m.insert("one-city.toml", include_bytes!("../../tests/fuzz-seeds/one-city.toml").to_vec());
        m.insert("province.toml", include_bytes!("../../tests/fuzz-seeds/province.toml").to_vec());
        m.insert("child.toml", include_bytes!("../../tests/fuzz-seeds/child.toml").to_vec());
        m
    })
}

fuzz_target!(|data: &[u8]| {
    let mut files = seeds().clone();
    files.insert("s.toml", data.to_vec());
    let Ok(scn) = Scenario::from_files(Path::new("s.toml"), &files) else {
        return;
    };
    let sim = empsim::engine::simulate(&scn, 4, scn.seed, &[]);
    if let Err(e) = sim.check_finite(&scn) {
        panic!("{e}");
    }
    let summaries = empsim::stats::summarize(&scn, &sim);
    let targets = empsim::stats::evaluate_targets(&scn, &sim, &empsim::stats::LEVEL_PROBS);
    if let Err(e) = empsim::stats::check_finite(&scn, &summaries, &targets) {
        panic!("{e}");
    }
});

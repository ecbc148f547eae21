//! The `empsim` binary: parse arguments, call the library, print the error chain, exit.

fn main() {
    let cli = empsim::cli::parse();
    if let Err(e) = empsim::cli::run(cli) {
        let code = e.exit_code();
        eprintln!("error: {:#}", anyhow::Error::from(e));
        std::process::exit(code);
    }
}

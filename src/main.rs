fn main() -> std::process::ExitCode {
    irsa_tui::cli::main()
}

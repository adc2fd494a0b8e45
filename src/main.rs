// jemalloc, set up in .cargo/config.toml, returns to the system within a second or two
// what a burst freed (a full analysis, an initial list of 100,000 pods); glibc's malloc
// kept it in per-thread arenas, and the dashboard held about 1.9 times its heap
// (scripts/measure-memory.sh --dashboard measures it).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    irsa_tui::cli::main()
}

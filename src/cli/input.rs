//! Reading a document the user names: a file, or `-` for standard input, bounded.

use std::io::Read;

/// Reads `path` (`-`: standard input), at most `max` bytes, as UTF-8 text; `what` names it
/// in errors ("policy file").
pub fn read_text(path: &str, max: u64, what: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    let (read, shown) = if path == "-" {
        let got = std::io::stdin()
            .take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the {what} from standard input: {e}"));
        (got, "standard input".to_owned())
    } else {
        let got = std::fs::File::open(path)
            .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("cannot read {what} {path}: {e}"));
        (got, format!("{what} {path}"))
    };
    read?;
    if bytes.len() as u64 > max {
        return Err(format!("{shown} is larger than {} KiB", max >> 10));
    }
    String::from_utf8(bytes).map_err(|_| format!("{shown} is not UTF-8 text"))
}

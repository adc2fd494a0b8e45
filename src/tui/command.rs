//! The `:` command line: parsing and completion.

use std::path::PathBuf;

use super::export::Format;
use crate::analysis::permissions::ask::{parse_action, parse_resource};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `:ns NAME`, or `:ns all` (`None`).
    Namespace(Option<String>),
    /// `:ctx CONTEXT [CLUSTER]`: the EKS cluster's name when the context does not tell it.
    Context(String, Option<String>),
    Export(Format, Option<PathBuf>),
    /// `:snapshot [PATH]`: record the inventory for `--replay`.
    Snapshot(Option<PathBuf>),
    /// `:can ACTION [RESOURCE]` (also `:who-can`): the bindings and node roles allowed.
    Can(String, String),
    Quit,
}

/// The commands, as completion offers them.
const COMMANDS: &[&str] = &["ns", "ctx", "can", "export", "snapshot", "q"];
const FORMATS: &[&str] = &["json", "md", "html"];

pub fn parse(line: &str) -> Result<Command, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["q" | "quit" | "q!"] => Ok(Command::Quit),
        ["ns" | "namespace", "all"] => Ok(Command::Namespace(None)),
        ["ns" | "namespace", name] => Ok(Command::Namespace(Some((*name).to_owned()))),
        ["ns" | "namespace", ..] => Err("usage: :ns NAME, or :ns all".into()),
        ["ctx" | "context", name] => Ok(Command::Context((*name).to_owned(), None)),
        ["ctx" | "context", name, cluster] => Ok(Command::Context(
            (*name).to_owned(),
            Some((*cluster).to_owned()),
        )),
        ["ctx" | "context", ..] => Err("usage: :ctx CONTEXT [CLUSTER]".into()),
        ["export", path] if Format::parse(path).is_none() => {
            // `:export /tmp/r.html`: the format from the extension, as `report -o` does.
            let path = PathBuf::from(path);
            let format = Format::of_path(&path).ok_or_else(|| {
                format!("unknown export format {path:?}: json, md or html, or a path ending in .json, .md or .html")
            })?;
            Ok(Command::Export(format, Some(path)))
        }
        ["export", format, rest @ ..] if rest.len() <= 1 => {
            let format = Format::parse(format)
                .ok_or_else(|| format!("unknown export format {format:?}: json, md or html"))?;
            Ok(Command::Export(format, rest.first().map(PathBuf::from)))
        }
        ["export", ..] => Err("usage: :export json|md|html [PATH]".into()),
        ["snapshot", rest @ ..] if rest.len() <= 1 => {
            Ok(Command::Snapshot(rest.first().map(PathBuf::from)))
        }
        ["snapshot", ..] => Err("usage: :snapshot [PATH]".into()),
        ["can" | "who-can", action, rest @ ..] if rest.len() <= 1 => {
            let action = parse_action(action)?;
            let resource = parse_resource(rest.first().copied().unwrap_or("*"))?;
            Ok(Command::Can(action, resource))
        }
        ["can" | "who-can", ..] => Err(
            "usage: :can ACTION [RESOURCE], e.g. :can s3:GetObject arn:aws:s3:::bucket/*".into(),
        ),
        [] => Err("type a command: ns, ctx, can, export, snapshot or q".into()),
        [other, ..] => Err(format!(
            "unknown command {other:?}: ns NAME|all, ctx CONTEXT [CLUSTER], can ACTION [RESOURCE], export json|md|html [PATH], snapshot [PATH], q"
        )),
    }
}

/// The words the last (partial) word of `line` could become.
#[cfg(test)]
pub fn candidates(line: &str, namespaces: &[String], contexts: &[String]) -> Vec<String> {
    candidates_with(line, namespaces, contexts, &[])
}

/// As [`candidates`], with the actions the cluster's policies name for `:can`.
pub fn candidates_with(
    line: &str,
    namespaces: &[String],
    contexts: &[String],
    actions: &[String],
) -> Vec<String> {
    let ends_with_space = line.ends_with(char::is_whitespace);
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let partial = if ends_with_space {
        ""
    } else {
        words.pop().unwrap_or("")
    };
    let pool: Vec<&str> = match words.as_slice() {
        [] => COMMANDS.to_vec(),
        ["ns" | "namespace"] => std::iter::once("all")
            .chain(namespaces.iter().map(String::as_str))
            .collect(),
        ["ctx" | "context"] => contexts.iter().map(String::as_str).collect(),
        ["export"] => FORMATS.to_vec(),
        ["can" | "who-can"] => actions.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    let lower = partial.to_lowercase();
    pool.into_iter()
        .filter(|c| {
            c.starts_with(partial)
                || (words
                    .first()
                    .is_some_and(|w| *w == "can" || *w == "who-can")
                    && c.to_lowercase().starts_with(&lower))
        })
        .map(str::to_owned)
        .collect()
}

/// `line` with its last word completed as far as the candidates agree (and a space after
/// a unique candidate).
#[cfg(test)]
pub fn complete(line: &str, namespaces: &[String], contexts: &[String]) -> String {
    complete_with(line, namespaces, contexts, &[])
}

/// As [`complete`], with the actions `:can` completes.
pub fn complete_with(
    line: &str,
    namespaces: &[String],
    contexts: &[String],
    actions: &[String],
) -> String {
    let found = candidates_with(line, namespaces, contexts, actions);
    let Some(first) = found.first() else {
        return line.to_owned();
    };
    let common = found.iter().fold(first.as_str(), |acc, c| {
        let n = acc
            .char_indices()
            .zip(c.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8());
        &acc[..n]
    });
    let stem = match line.rfind(char::is_whitespace) {
        Some(i) => &line[..=i],
        None => "",
    };
    let mut out = format!("{stem}{common}");
    if found.len() == 1 {
        out.push(' ');
    }
    if out.len() < line.len() {
        line.to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_the_commands() {
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(
            parse(" ns  payments "),
            Ok(Command::Namespace(Some("payments".into())))
        );
        assert_eq!(parse("ns all"), Ok(Command::Namespace(None)));
        assert_eq!(parse("ctx prod"), Ok(Command::Context("prod".into(), None)));
        assert_eq!(
            parse("ctx dev shop-dev"),
            Ok(Command::Context("dev".into(), Some("shop-dev".into())))
        );
        assert!(parse("ctx").is_err());
        assert!(parse("ctx a b c").is_err());
        assert_eq!(
            parse("export md"),
            Ok(Command::Export(Format::Markdown, None))
        );
        assert_eq!(
            parse("export json /tmp/r.json"),
            Ok(Command::Export(Format::Json, Some("/tmp/r.json".into())))
        );
        assert!(
            parse("export pdf")
                .unwrap_err()
                .contains("json, md or html")
        );
        assert_eq!(
            parse("export /tmp/x.html"),
            Ok(Command::Export(Format::Html, Some("/tmp/x.html".into())))
        );
        assert!(
            parse("export /tmp/x.pdf")
                .unwrap_err()
                .contains("a path ending in")
        );
        assert!(parse("pods").unwrap_err().contains("unknown command"));
        assert_eq!(parse("snapshot"), Ok(Command::Snapshot(None)));
        assert_eq!(
            parse("snapshot /tmp/s.json"),
            Ok(Command::Snapshot(Some("/tmp/s.json".into())))
        );
        assert!(
            parse("snapshot a b")
                .unwrap_err()
                .contains("usage: :snapshot")
        );
        assert_eq!(
            parse("can s3:GetObject"),
            Ok(Command::Can("s3:GetObject".into(), "*".into()))
        );
        assert_eq!(
            parse("who-can s3:DeleteObject arn:aws:s3:::b/*"),
            Ok(Command::Can(
                "s3:DeleteObject".into(),
                "arn:aws:s3:::b/*".into()
            ))
        );
        assert!(parse("can s3:*").unwrap_err().contains("is not an action"));
        assert!(
            parse("can s3:GetObject bucket")
                .unwrap_err()
                .contains("is not an ARN")
        );
        assert!(parse("can").unwrap_err().contains("usage: :can"));
        assert!(parse("ns").is_err());
    }

    #[test]
    fn completes_commands_namespaces_and_formats() {
        let ns = names(&["payments", "payments-staging", "orders"]);
        let ctx = names(&["shop-prod"]);
        assert_eq!(
            candidates("", &ns, &ctx),
            names(&["ns", "ctx", "can", "export", "snapshot", "q"])
        );
        assert_eq!(complete("e", &ns, &ctx), "export ");
        assert_eq!(complete("sn", &ns, &ctx), "snapshot ");
        assert_eq!(complete("ns pay", &ns, &ctx), "ns payments");
        assert_eq!(
            candidates("ns pay", &ns, &ctx),
            names(&["payments", "payments-staging"])
        );
        assert_eq!(complete("ns o", &ns, &ctx), "ns orders ");
        assert_eq!(complete("ns a", &ns, &ctx), "ns all ");
        assert_eq!(complete("ctx ", &ns, &ctx), "ctx shop-prod ");
        assert_eq!(complete("export h", &ns, &ctx), "export html ");
        assert_eq!(complete("zzz", &ns, &ctx), "zzz");
        let actions = names(&["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]);
        assert_eq!(
            complete_with("can s3:p", &ns, &ctx, &actions),
            "can s3:PutObject "
        );
        assert_eq!(
            complete_with("can s3:Get", &ns, &ctx, &actions),
            "can s3:GetObject"
        );
    }
}

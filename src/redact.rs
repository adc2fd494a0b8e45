//! Secrets never leave irsa-tui in a message: whatever is quoted from a credential plugin,
//! an API server, AWS or a kubeconfig passes through [`redact`] before it reaches the
//! terminal, a report, a snapshot or the log file. It removes bearer tokens, JWTs, EKS
//! tokens, AWS access key ids, the values of secret-named keys (`token`, `password`,
//! `client-key-data`, `AWS_SECRET_ACCESS_KEY`, `aws_session_token`, ...) and long opaque
//! strings that look like keys. Pure.

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Keys whose values are secrets, compared case-insensitively with `-` and `_` alike.
const SECRET_KEYS: &[&str] = &[
    "token",
    "id_token",
    "access_token",
    "refresh_token",
    "bearer_token",
    "password",
    "passwd",
    "secret",
    "client_secret",
    "client_key_data",
    "client_key",
    "aws_secret_access_key",
    "secret_access_key",
    "secretaccesskey",
    "aws_session_token",
    "session_token",
    "sessiontoken",
    "aws_access_key_id",
    "access_key_id",
    "accesskeyid",
    "x_amz_security_token",
    "authorization",
    "proxy_authorization",
];

fn normal_key(key: &str) -> String {
    key.trim_matches(|c: char| c == '"' || c == '\'' || c == '-' || c == '_')
        .to_ascii_lowercase()
        .replace('-', "_")
}

fn is_secret_key(key: &str) -> bool {
    let k = normal_key(key);
    !k.is_empty()
        && SECRET_KEYS
            .iter()
            .any(|s| k == *s || k.ends_with(&format!("_{s}")))
}

/// Characters a token, key or base64 blob is made of.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+/=_.-~".contains(c)
}

/// Whether one word of text is a secret on its own, whatever precedes it.
fn secret_word(word: &str) -> bool {
    let w = word.trim_matches(|c: char| c == '.' || c == ',');
    // EKS tokens, and JWTs (header.payload.signature, the header base64 of `{"`).
    if w.starts_with("k8s-aws-v1.") {
        return true;
    }
    if w.starts_with("eyJ") && w.matches('.').count() >= 1 && w.len() >= 20 {
        return true;
    }
    // AWS access key ids: AKIA (long-term), ASIA (temporary), and the other id prefixes.
    let id_prefixes = [
        "AKIA", "ASIA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA",
    ];
    if w.len() == 20
        && id_prefixes.iter().any(|p| w.starts_with(p))
        && w.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return true;
    }
    // A long opaque run of mixed case and digits (secret keys, session tokens, signatures).
    w.len() >= 32
        && !w.contains('.')
        && w.bytes().any(|b| b.is_ascii_lowercase())
        && w.bytes().any(|b| b.is_ascii_uppercase())
        && w.bytes().any(|b| b.is_ascii_digit())
}

/// An HTTP authentication scheme, followed by its credential.
fn scheme(word: &str) -> bool {
    word.eq_ignore_ascii_case("bearer") || word.eq_ignore_ascii_case("basic")
}

/// `text` with every secret replaced by `[redacted]`.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // The last key-like word seen, and whether a separator (`=`, `:`) followed it.
    let mut last_word = String::new();
    let mut pending_secret = false;
    while i < chars.len() {
        let c = chars[i];
        if is_word_char(c) {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // A lone `=` (`key = value`) is a separator, not a word.
            if word.bytes().all(|b| b == b'=') {
                out.push_str(&word);
                pending_secret = pending_secret || is_secret_key(&last_word);
                continue;
            }
            // `key=value` in one run (`token=abc`, `AWS_SECRET_ACCESS_KEY=abc`).
            if let Some((key, value)) = word.split_once('=')
                && is_secret_key(key)
                && !value.is_empty()
            {
                out.push_str(key);
                out.push('=');
                out.push_str(REDACTED);
            } else if scheme(&word) {
                // `Bearer xyz`, `Basic xyz`: the scheme stays, the next word is the credential.
                out.push_str(&word);
            } else if pending_secret || secret_word(&word) {
                out.push_str(REDACTED);
            } else {
                out.push_str(&word);
            }
            pending_secret = scheme(&word);
            last_word = word;
            continue;
        }
        out.push(c);
        match c {
            // A separator after a secret-named key: its value follows.
            ':' | '=' => pending_secret = pending_secret || is_secret_key(&last_word),
            // Quotes and spaces between a key, its separator and its value keep the state.
            '"' | '\'' | ' ' | '\t' => {}
            _ => pending_secret = false,
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "CANARYsecret0123456789abcdefXYZ0123";

    #[test]
    fn secret_values_go_and_the_rest_stays() {
        let cases = [
            (format!("token: {CANARY}"), "token: [redacted]".to_owned()),
            (
                format!("\"token\": \"{CANARY}\""),
                "\"token\": \"[redacted]\"".to_owned(),
            ),
            (
                format!("Authorization: Bearer {CANARY}"),
                "Authorization: Bearer [redacted]".to_owned(),
            ),
            (
                format!("--token={CANARY} --x"),
                "--token=[redacted] --x".to_owned(),
            ),
            (
                format!("AWS_SECRET_ACCESS_KEY={CANARY}"),
                "AWS_SECRET_ACCESS_KEY=[redacted]".to_owned(),
            ),
            (
                format!("aws_session_token = {CANARY}"),
                "aws_session_token = [redacted]".to_owned(),
            ),
            (
                format!("client-key-data: {CANARY}"),
                "client-key-data: [redacted]".to_owned(),
            ),
            (
                "password: hunter2".to_owned(),
                "password: [redacted]".to_owned(),
            ),
            (
                "key AKIAIOSFODNN7EXAMPLE used".to_owned(),
                "key [redacted] used".to_owned(),
            ),
            (
                "got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln back".to_owned(),
                "got [redacted] back".to_owned(),
            ),
            (
                "k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9u".to_owned(),
                "[redacted]".to_owned(),
            ),
            (
                format!("opaque {CANARY} blob"),
                "opaque [redacted] blob".to_owned(),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(&input), expected, "{input}");
        }
    }

    #[test]
    fn ordinary_messages_are_untouched() {
        for text in [
            "cannot list pods cluster-wide: forbidden (pods is forbidden: User \"irsa-tui\" cannot list resource \"pods\")",
            "arn:aws:iam::111122223333:role/payments-api is not readable",
            "https://oidc.eks.us-east-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9",
            "the credential plugin `aws` of context prod failed (exit status: 255)",
            "line 17 column 5: duplicate mapping key: token",
            "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
            "payments-api-7c9f8d6b5-x7k2p",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}

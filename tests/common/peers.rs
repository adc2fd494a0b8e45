//! Misbehaving peers on loopback, for the tests of bounded waits and bounded reads: a
//! server that accepts and never answers, one that answers `/version` and then nothing,
//! one that drips its bodies a byte at a time, one whose lists never end, and one whose 401
//! echoes the `Authorization` header it got.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Accepts connections and never sends a byte.
    Silent,
    /// Answers `GET /version`; takes every other request and never answers it.
    VersionThenSilent,
    /// Answers `/version`; every other answer comes a byte every 200 ms, forever.
    Drip,
    /// Answers `/version`; every list is an endless JSON array, as fast as it goes.
    Endless,
    /// Answers `/version`; everything else is a 401 that quotes the request's
    /// `Authorization` header.
    EchoUnauthorized,
}

pub struct Peer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    pub async fn start(behaviour: Behaviour) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("an address");
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(socket, behaviour));
            }
        });
        Peer { addr, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig for this peer whose cluster is named by an EKS ARN (so the cluster
    /// needs no `--cluster`); `user` is the YAML of the user entry.
    pub fn kubeconfig(&self, dir: &Path, user: &str) -> PathBuf {
        kubeconfig_for(dir, &self.url(), user)
    }
}

/// A kubeconfig for `server` (an EKS-ARN cluster entry) with the user `user` (YAML, indented
/// under `user:`).
pub fn kubeconfig_for(dir: &Path, server: &str, user: &str) -> PathBuf {
    let path = dir.join("kubeconfig.yaml");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: arn:aws:eks:us-east-1:111122223333:cluster/prod\n  cluster:\n    server: {server}\ncontexts:\n- name: prod\n  context:\n    cluster: arn:aws:eks:us-east-1:111122223333:cluster/prod\n    user: u\ncurrent-context: prod\nusers:\n- name: u\n  user:\n{user}"
    );
    std::fs::write(&path, text).expect("kubeconfig written");
    path
}

/// Reads one request's head; `None` when the connection closed.
async fn request(socket: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match socket.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        if head.len() > 64 << 10 {
            return None;
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

const VERSION: &str =
    r#"{"major":"1","minor":"33","gitVersion":"v1.33.0","platform":"linux/amd64"}"#;

async fn respond(socket: &mut TcpStream, status: &str, body: &str) -> bool {
    let text = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(text.as_bytes()).await.is_ok()
}

async fn serve(mut socket: TcpStream, behaviour: Behaviour) {
    if behaviour == Behaviour::Silent {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return;
    }
    while let Some(head) = request(&mut socket).await {
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        if path.starts_with("/version") {
            if !respond(&mut socket, "200 OK", VERSION).await {
                return;
            }
            continue;
        }
        match behaviour {
            Behaviour::Silent | Behaviour::VersionThenSilent => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Behaviour::Drip => {
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await;
                loop {
                    if socket.write_all(b"1\r\n \r\n").await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            Behaviour::Endless => {
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await;
                let start = r#"{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":["#;
                let _ = socket
                    .write_all(format!("{:x}\r\n{start}\r\n", start.len()).as_bytes())
                    .await;
                let item = r#"{"metadata":{"name":"x","namespace":"y"}},"#.repeat(1000);
                let chunk = format!("{:x}\r\n{item}\r\n", item.len());
                loop {
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
            }
            Behaviour::EchoUnauthorized => {
                let auth = head
                    .lines()
                    .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                    .unwrap_or("authorization: none")
                    .to_owned();
                let body = serde_json::json!({
                    "kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "message": format!("Unauthorized: the request carried {auth}"),
                    "reason": "Unauthorized", "code": 401
                })
                .to_string();
                if !respond(&mut socket, "401 Unauthorized", &body).await {
                    return;
                }
            }
        }
    }
}

/// An HTTP proxy on loopback: tunnels `CONNECT host:port` and forwards absolute-form
/// requests (`GET http://host/...`); answers 502 for hosts it cannot reach. Remembers the
/// targets it was asked for.
pub struct Proxy {
    pub addr: SocketAddr,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("an address");
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = asked.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(relay(socket, log.clone()));
            }
        });
        Proxy { addr, asked, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `host:port` of every request it got.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

async fn relay(mut client: TcpStream, asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let Some(head) = request(&mut client).await else {
        return;
    };
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let authority = if method == "CONNECT" {
        target.to_owned()
    } else {
        let rest = target.split_once("://").map_or(target, |(_, r)| r);
        let host = rest.split('/').next().unwrap_or(rest);
        if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:80")
        }
    };
    if let Ok(mut a) = asked.lock() {
        a.push(authority.clone());
    }
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        let _ = client
            .write_all(
                b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )
            .await;
        return;
    };
    if method == "CONNECT" {
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
    } else if upstream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

//! What every AWS reader shares: the count of calls made (the AWS-call budget), and SDK
//! errors said in one sentence (which call, where it went, what to check).

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http_body::{Body, Frame};

/// How many calls of each operation were made (for the AWS-call budget).
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<BTreeMap<&'static str, usize>>>);

impl CallLog {
    pub fn record(&self, operation: &'static str) {
        if let Ok(mut m) = self.0.lock() {
            *m.entry(operation).or_default() += 1;
        }
    }

    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn total(&self) -> usize {
        self.counts().values().sum()
    }
}

/// An AWS service irsa-tui calls, for the sentences that say where a call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
    Eks,
    Iam,
    CloudTrail,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Sts => "STS",
            Service::Eks => "EKS",
            Service::Iam => "IAM",
            Service::CloudTrail => "CloudTrail",
        }
    }

    /// The service's part of `AWS_ENDPOINT_URL_<SERVICE>`.
    fn env(self) -> &'static str {
        match self {
            Service::Sts => "STS",
            Service::Eks => "EKS",
            Service::Iam => "IAM",
            Service::CloudTrail => "CLOUDTRAIL",
        }
    }
}

/// Where the calls of one service go: the endpoint and region an error names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub service: Service,
    pub url: String,
    pub region: String,
}

impl Endpoint {
    /// The endpoint `config` sends `service`'s calls to: the service's own
    /// `AWS_ENDPOINT_URL_<SERVICE>`, else the configuration's endpoint (`AWS_ENDPOINT_URL`),
    /// else AWS's public endpoint for the region (IAM's is global).
    pub fn of(service: Service, config: &aws_config::SdkConfig) -> Endpoint {
        Endpoint::resolve(
            service,
            config.region().map(ToString::to_string),
            config.endpoint_url(),
        )
    }

    /// As [`Endpoint::of`], for a client of `config` made for another `region` (CloudTrail's
    /// `us-east-1` reads).
    pub fn of_region(service: Service, config: &aws_config::SdkConfig, region: &str) -> Endpoint {
        Endpoint::resolve(service, Some(region.to_owned()), config.endpoint_url())
    }

    /// The endpoint of a client built elsewhere (its region; the endpoint from the
    /// environment, as the SDK reads it).
    pub fn of_client(service: Service, region: Option<&aws_config::Region>) -> Endpoint {
        let general = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|v| !v.trim().is_empty());
        Endpoint::resolve(service, region.map(ToString::to_string), general.as_deref())
    }

    fn resolve(service: Service, region: Option<String>, configured: Option<&str>) -> Endpoint {
        let own = std::env::var(format!("AWS_ENDPOINT_URL_{}", service.env()))
            .ok()
            .filter(|v| !v.trim().is_empty());
        let url = own
            .or_else(|| configured.map(str::to_owned))
            .unwrap_or_else(|| public_endpoint(service, region.as_deref()));
        Endpoint {
            service,
            url: crate::redact::redact(&url),
            region: region.unwrap_or_else(|| "none set".to_owned()),
        }
    }

    /// `IAM at https://iam.amazonaws.com (region us-east-1)`.
    fn at(&self) -> String {
        format!(
            "{} at {} (region {})",
            self.service.name(),
            self.url,
            self.region
        )
    }
}

/// AWS's public endpoint of `service` in `region`.
fn public_endpoint(service: Service, region: Option<&str>) -> String {
    let region = region.unwrap_or("us-east-1");
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    match service {
        Service::Iam if region.starts_with("cn-") => {
            format!("https://iam.cn-north-1.{suffix}")
        }
        Service::Iam if region.starts_with("us-gov-") => "https://iam.us-gov.amazonaws.com".into(),
        Service::Iam => "https://iam.amazonaws.com".into(),
        Service::Sts => format!("https://sts.{region}.{suffix}"),
        Service::Eks => format!("https://eks.{region}.{suffix}"),
        Service::CloudTrail => format!("https://cloudtrail.{region}.{suffix}"),
    }
}

/// What to check when an endpoint cannot be reached.
const CHECK_NETWORK: &str =
    "check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint";
/// What to do about missing or expired credentials.
const CHECK_CREDENTIALS: &str =
    "set AWS_PROFILE (or --profile) or run aws sso login, then run again";

/// An SDK error said as one sentence: which call (`iam:GetRole`), where it went (`IAM at
/// https://iam.amazonaws.com (region us-east-1)`), what happened and what to check. The
/// SDK's own error (its debug-like chain of causes) goes to the log only; secrets are
/// redacted from both.
pub fn describe<E, R>(err: &SdkError<E, R>, operation: &str, at: &Endpoint) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let raw = crate::redact::redact(&DisplayErrorContext(err).to_string());
    tracing::info!("AWS {operation} at {} failed: {raw}", at.url);
    crate::redact::redact(&sentence(err, &raw, operation, at))
}

fn sentence<E, R>(err: &SdkError<E, R>, raw: &str, operation: &str, at: &Endpoint) -> String
where
    E: ProvideErrorMetadata,
{
    if let Some(code) = err.code() {
        let message = err
            .message()
            .map(|m| format!(": {}", m.split_whitespace().collect::<Vec<_>>().join(" ")))
            .unwrap_or_default();
        return service_error(code, &message, operation, at);
    }
    if let Some(at_limit) = raw.find(TOO_LARGE) {
        // Our own limit, said as it is (without the SDK's text around it).
        let end = raw[at_limit..]
            .find(NOT_AWS)
            .map_or(raw.len(), |e| at_limit + e + NOT_AWS.len());
        return format!("{operation}: {}", &raw[at_limit..end]);
    }
    let lower = raw.to_lowercase();
    if lower.contains("credential") || lower.contains("no matching auth scheme") {
        return format!(
            "no usable AWS credentials for {operation} (none found, or they expired): {CHECK_CREDENTIALS}"
        );
    }
    let timed_out = matches!(err, SdkError::TimeoutError(_))
        || matches!(err, SdkError::DispatchFailure(d) if d.is_timeout())
        || lower.contains("timeout")
        || lower.contains("timed out");
    match err {
        SdkError::ConstructionFailure(_) if lower.contains("region") => format!(
            "no AWS region for {operation}: pass --region or set AWS_REGION (or the profile's region)"
        ),
        SdkError::ConstructionFailure(_) => format!(
            "the {operation} request to {} could not be built (the details are in --log-file)",
            at.at()
        ),
        SdkError::ResponseError(_) => format!(
            "{} did not give a complete AWS answer to {operation}: check that {} is an AWS endpoint (not a proxy's or a captive portal's page) and the network",
            at.at(),
            at.url
        ),
        _ if timed_out => format!(
            "{} did not answer {operation} in time: {CHECK_NETWORK}",
            at.at()
        ),
        _ => {
            let what = if lower.contains("connection refused") {
                ": the connection was refused"
            } else if lower.contains("dns error") || lower.contains("failed to lookup") {
                ": its host name does not resolve"
            } else if lower.contains("certificate") || lower.contains("handshake") {
                ": the TLS handshake failed"
            } else if lower.contains("connection reset") || lower.contains("broken pipe") {
                ": the connection was cut"
            } else {
                ""
            };
            format!("cannot reach {}{what}; {CHECK_NETWORK}", at.at())
        }
    }
}

/// An error AWS answered with (`code`, `: message` or empty).
fn service_error(code: &str, message: &str, operation: &str, at: &Endpoint) -> String {
    let service = at.service.name();
    match code {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnauthorizedException" => format!(
            "AWS denied {operation} to these credentials ({code}{message}): grant {operation} to the identity `aws sts get-caller-identity` names, or use a profile that has it"
        ),
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "RequestThrottled"
        | "RequestThrottledException"
        | "SlowDown" => format!(
            "{service} throttled {operation} ({code}) and the retries did not get through: run again in a minute"
        ),
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "InvalidAccessKeyId"
        | "AuthFailure"
        | "RequestExpired"
        | "InvalidToken" => format!(
            "{} rejected the AWS credentials for {operation} ({code}{message}): they are expired or not valid; {CHECK_CREDENTIALS}",
            at.at()
        ),
        _ => format!("{operation} failed: {code}{message}"),
    }
}

pub fn error_code<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}

/// The most one AWS answer may be. The largest irsa-tui reads, a page of
/// `GetAccountAuthorizationDetails` (1,000 roles and their policies, URL-encoded in XML),
/// is tens of MiB at the very most.
pub const RESPONSE_MAX: usize = 256 << 20;

const TOO_LARGE: &str = "the AWS endpoint's answer is larger than";
const NOT_AWS: &str = "it is not an AWS API";

/// An HTTP connector whose answers are refused beyond [`RESPONSE_MAX`].
#[derive(Debug)]
pub struct Bounded {
    inner: SharedHttpConnector,
}

impl Bounded {
    pub fn new(inner: SharedHttpConnector) -> Bounded {
        Bounded { inner }
    }
}

impl HttpConnector for Bounded {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let answer = self.inner.call(request);
        HttpConnectorFuture::new(async move {
            let response = answer.await?;
            Ok(response.map(|body| {
                SdkBody::from_body_1_x(SizeLimited {
                    inner: body,
                    read: 0,
                })
            }))
        })
    }
}

struct SizeLimited {
    inner: SdkBody,
    read: usize,
}

impl Body for SizeLimited {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let frame = std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
        {
            this.read += data.len();
            if this.read > RESPONSE_MAX {
                return Poll::Ready(Some(Err(format!(
                    "{TOO_LARGE} {} MiB; {NOT_AWS}",
                    RESPONSE_MAX >> 20
                )
                .into())));
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::error::ErrorMetadata;
    use aws_sdk_iam::operation::get_role::GetRoleError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;

    use super::*;

    type Error = SdkError<GetRoleError, HttpResponse>;

    fn iam() -> Endpoint {
        Endpoint {
            service: Service::Iam,
            url: "https://iam.amazonaws.com".into(),
            region: "us-east-1".into(),
        }
    }

    fn answered(status: u16, code: &str, message: &str) -> Error {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let status = StatusCode::try_from(status).unwrap_or_else(|e| panic!("{e}"));
        SdkError::service_error(
            GetRoleError::generic(meta),
            HttpResponse::new(status, SdkBody::empty()),
        )
    }

    fn io(text: &str) -> Error {
        SdkError::dispatch_failure(ConnectorError::io(Box::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            text.to_owned(),
        ))))
    }

    /// No debug text of the SDK (`DispatchFailure(DispatchFailure { source: ConnectorError
    /// { kind: Io, …`) in what reaches the screen or a report: one sentence, never a brace.
    fn plain(text: &str) {
        for debug in [
            "DispatchFailure",
            "ConnectorError",
            "{",
            "}",
            "\n",
            "Some(",
            "kind:",
        ] {
            assert!(!text.contains(debug), "{debug:?} in {text}");
        }
    }

    #[test]
    fn every_kind_of_sdk_error_is_one_sentence_naming_the_endpoint_and_what_to_check() {
        let refused = describe(
            &io("tcp connect error: Connection refused (os error 111)"),
            "iam:GetRole",
            &iam(),
        );
        assert_eq!(
            refused,
            "cannot reach IAM at https://iam.amazonaws.com (region us-east-1): the connection was refused; check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint"
        );
        let dns = describe(
            &io("dns error: failed to lookup address information"),
            "iam:GetRole",
            &iam(),
        );
        assert!(dns.contains("its host name does not resolve"), "{dns}");

        let timeout: Error = SdkError::timeout_error("operation timeout occurred after 20s");
        let said = describe(&timeout, "iam:GetRole", &iam());
        assert_eq!(
            said,
            "IAM at https://iam.amazonaws.com (region us-east-1) did not answer iam:GetRole in time: check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint"
        );

        let no_credentials: Error = SdkError::dispatch_failure(ConnectorError::other(
            "failed to load credentials: no providers in chain provided credentials".into(),
            None,
        ));
        let said = describe(&no_credentials, "sts:GetCallerIdentity", &iam());
        assert!(
            said.starts_with("no usable AWS credentials for sts:GetCallerIdentity")
                && said.contains("AWS_PROFILE")
                && said.contains("aws sso login"),
            "{said}"
        );

        let denied = describe(
            &answered(
                403,
                "AccessDenied",
                "User: arn:aws:iam::111122223333:user/jane is not authorized to perform: iam:GetRole",
            ),
            "iam:GetRole",
            &iam(),
        );
        assert!(
            denied.starts_with("AWS denied iam:GetRole to these credentials (AccessDenied: User: ")
                && denied.contains("grant iam:GetRole"),
            "{denied}"
        );
        let throttled = describe(
            &answered(400, "Throttling", "Rate exceeded"),
            "iam:GetRole",
            &iam(),
        );
        assert_eq!(
            throttled,
            "IAM throttled iam:GetRole (Throttling) and the retries did not get through: run again in a minute"
        );
        let expired = describe(
            &answered(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
            "iam:GetRole",
            &iam(),
        );
        assert!(
            expired.contains("rejected the AWS credentials") && expired.contains("aws sso login"),
            "{expired}"
        );
        let other = describe(
            &answered(404, "NoSuchEntity", "The role with name x cannot be found."),
            "iam:GetRole",
            &iam(),
        );
        assert_eq!(
            other,
            "iam:GetRole failed: NoSuchEntity: The role with name x cannot be found."
        );
        let no_region: Error = SdkError::construction_failure("no region was configured");
        let said = describe(&no_region, "eks:DescribeCluster", &iam());
        assert!(said.contains("--region"), "{said}");
        for text in [&refused, &dns, &said, &denied, &throttled, &expired, &other] {
            plain(text);
        }
    }

    /// An access key id in a message AWS sent is never repeated.
    #[test]
    fn access_key_ids_are_redacted() {
        let said = describe(
            &answered(
                403,
                "InvalidClientTokenId",
                "The security token AKIAIOSFODNN7EXAMPLE included in the request is invalid",
            ),
            "sts:GetCallerIdentity",
            &iam(),
        );
        assert!(!said.contains("AKIAIOSFODNN7EXAMPLE"), "{said}");
    }

    #[test]
    fn public_endpoints_by_partition() {
        assert_eq!(
            public_endpoint(Service::Iam, Some("eu-west-1")),
            "https://iam.amazonaws.com"
        );
        assert_eq!(
            public_endpoint(Service::Eks, Some("eu-west-1")),
            "https://eks.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            public_endpoint(Service::Sts, Some("cn-north-1")),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
    }
}

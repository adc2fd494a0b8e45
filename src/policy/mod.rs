//! The IAM policy parser and evaluator. Pure: no I/O.

mod document;
mod evaluate;
pub mod identity;
mod matching;
mod operator;
mod request;
mod resource;
mod tri;

pub use document::{
    ActionSpec, Condition, Effect, ParseError, PolicyDocument, PolicyVersion, PrincipalSpec,
    PrincipalType, ResourceSpec, Statement, decode_json,
};
pub use evaluate::{
    Actual, ConditionTrace, Decision, Evaluation, PartTrace, Reason, StatementTrace,
    allowing_statement, describe_principal, evaluate,
};
pub use matching::{edit_distance, glob_match, has_wildcard};
pub use operator::{BaseOperator, KeyLookup, KeyState, KeyView, Operator, SetQualifier};
pub use request::{
    ASSUME_ROLE_ACTION, DEFAULT_AUDIENCE, Issuer, POD_IDENTITY_SERVICE, Request, RequestPrincipal,
    TAG_SESSION_ACTION, WEB_IDENTITY_ACTION, parse_subject, service_account_subject,
};
pub use resource::{Reach, RequestedResource};
pub use tri::Tri;

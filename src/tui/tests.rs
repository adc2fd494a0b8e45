//! Snapshots of every view of the real UI on the demo cluster (insta, rendered as text),
//! drawn through ratatui's TestBackend at a fixed size.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::App;
use super::detail::Detail;
use super::test_support::{self, press, select};
use super::views::draw;
use crate::updates::Origin;

const W: u16 = 120;
const H: u16 = 36;

fn demo_app() -> App {
    test_support::demo_app(true)
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE), Instant::now());
}

/// The screen as text, one line per row, trailing spaces trimmed.
fn screen(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal.draw(|f| draw(f, app)).expect("draws");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn bindings_table() {
    let mut app = demo_app();
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn bindings_sorted_by_namespace() {
    let mut app = demo_app();
    press(&mut app, "N");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn bindings_sorted_by_pods() {
    let mut app = demo_app();
    press(&mut app, "P");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

/// Shift-E: what CloudTrail recorded first (failed STS calls, then denied calls, sessions of
/// another role), in the EVIDENCE column.
#[test]
fn bindings_sorted_by_evidence() {
    let mut app = demo_app();
    press(&mut app, "E");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

/// The drill-down's Evidence section: the denied calls grouped, each with the identity
/// evaluator's explanation, and what LookupEvents cannot show.
#[test]
fn binding_drill_down_evidence() {
    let mut app = demo_app();
    select(&mut app, "billing/statements-reader");
    press(&mut app, "\n");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

/// While CloudTrail is read, the header says so with a spinner and the count so far; once
/// read, the window and that CloudTrail delivers minutes late.
#[test]
fn the_header_shows_cloudtrail_being_read_then_the_window() {
    let mut inv = test_support::demo();
    inv.evidence.state = crate::inventory::TrailState::Reading;
    let mut app = test_support::app_on(&inv, Origin::Live, false);
    let text = screen(&mut app, 140, 16);
    assert!(text.contains("CloudTrail ⠋ reading… 61 events"), "{text}");
    inv.evidence.state = crate::inventory::TrailState::Failed;
    inv.evidence.error = Some("eu-west-1: AWS denied cloudtrail:LookupEvents".into());
    let mut app = test_support::app_on(&inv, Origin::Live, false);
    let text = screen(&mut app, 140, 16);
    assert!(text.contains("CloudTrail ✗ unreadable (IRSA804)"), "{text}");
}

#[test]
fn bindings_filtered() {
    let mut app = demo_app();
    press(&mut app, "/payments");
    insta::assert_snapshot!("bindings_filter_typing", screen(&mut app, W, H));
    press(&mut app, "\n");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn bindings_problems_only() {
    let mut app = demo_app();
    press(&mut app, "f");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn binding_drill_down() {
    let mut app = demo_app();
    select(&mut app, "payments/payments-api");
    press(&mut app, "\n");
    insta::assert_snapshot!(screen(&mut app, W, H));
    // The trust policy, the trace and the pods further down.
    key(&mut app, KeyCode::PageDown);
    insta::assert_snapshot!("binding_drill_down_trust", screen(&mut app, W, H));
    key(&mut app, KeyCode::PageDown);
    key(&mut app, KeyCode::PageDown);
    insta::assert_snapshot!("binding_drill_down_pods", screen(&mut app, W, H));
}

#[test]
fn binding_drill_down_pod_identity() {
    let mut app = demo_app();
    select(&mut app, "ml-serving/inference-api");
    press(&mut app, "\nnG");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn node_roles_view() {
    let mut app = demo_app();
    press(&mut app, "2");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn node_role_drill_down() {
    let mut app = demo_app();
    press(&mut app, "2/compute\n\n");
    assert!(matches!(app.detail, Some(Detail::NodeRole { .. })));
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn findings_view() {
    let mut app = demo_app();
    press(&mut app, "3");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn cluster_view() {
    let mut app = demo_app();
    press(&mut app, "4");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn help() {
    let mut app = demo_app();
    press(&mut app, "?");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn command_line_with_completion() {
    let mut app = demo_app();
    press(&mut app, ":ns pay");
    insta::assert_snapshot!(screen(&mut app, W, H));
}

#[test]
fn tiny_terminal() {
    let mut app = demo_app();
    insta::assert_snapshot!(screen(&mut app, 20, 5));
}

#[test]
fn toast_after_a_bad_command() {
    let mut app = demo_app();
    press(&mut app, ":ns nowhere\n");
    let text = screen(&mut app, W, H);
    let footer = text.lines().last().unwrap_or_default();
    assert!(
        footer.ends_with("no bindings in namespace \"nowhere\""),
        "{footer}"
    );
}

#[test]
fn any_size_draws_without_panicking() {
    let mut app = demo_app();
    select(&mut app, "payments/payments-api");
    for (w, h) in [(1, 1), (69, 15), (70, 16), (71, 17), (200, 60), (80, 24)] {
        for keys in [
            "",
            "\n",
            "\x1b2",
            "\n",
            "\x1b3",
            "\x1b4",
            "?",
            "\x1b:ns p",
            "\x1b1",
        ] {
            press(&mut app, keys);
            let text = screen(&mut app, w, h);
            if w < super::MIN_WIDTH || h < super::MIN_HEIGHT {
                assert!(text.contains("terminal too small") || w < 18, "{w}x{h}");
            }
        }
    }
}

#[test]
fn windowed_rendering_keeps_the_selection_on_screen() {
    let mut app = demo_app();
    press(&mut app, "G");
    let text = screen(&mut app, W, H);
    let last = app
        .shown_bindings()
        .last()
        .map(|k| k.split('/').nth(1).unwrap_or_default().to_owned());
    assert!(
        text.contains(&last.expect("a binding")),
        "the last row is drawn"
    );
    assert!(app.bindings.cursor.offset > 0);
    let offset = app.bindings.cursor.offset;
    press(&mut app, "k");
    screen(&mut app, W, H);
    assert_eq!(
        app.bindings.cursor.offset, offset,
        "moving inside the window keeps it"
    );
    // PgUp moves by the drawn page height.
    key(&mut app, KeyCode::PageUp);
    assert_eq!(app.bindings.cursor.index, 86 - 2 - app.page_height);
}

#[test]
fn no_color_keeps_symbols_and_drops_colours() {
    let mut plain = test_support::demo_app(false);
    // Tall enough to show a row of each status.
    let mut terminal = Terminal::new(TestBackend::new(W, H + 4)).expect("a test terminal");
    terminal.draw(|f| draw(f, &mut plain)).expect("draws");
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset),
        "NO_COLOR: no colours"
    );
    let text: String = buffer.content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("✗ failing") && text.contains("? unknown") && text.contains("! warning"));
    let mut coloured = demo_app();
    terminal.draw(|f| draw(f, &mut coloured)).expect("draws");
    assert!(
        terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg == ratatui::style::Color::Red)
    );
}

/// Live, on the first lists: the header's spinner and counts, and `:ctx` connecting.
#[test]
fn live_syncing_and_connecting() {
    let mut inv = test_support::demo();
    inv.context = Some("prod".into());
    inv.aws = crate::inventory::AwsStatus::default();
    for (i, s) in inv.sources.iter_mut().enumerate() {
        if s.resource == "pods" || s.resource == "nodes" {
            s.state = crate::inventory::SourceState::Syncing;
            s.count = Some(500 * (i + 1));
        } else if s.state == crate::inventory::SourceState::Ok {
            s.count = Some(i + 7);
        }
    }
    let mut app = test_support::app_on(&inv, Origin::Live, true)
        .with_contexts(vec!["prod".into(), "staging".into()]);
    let t0 = Instant::now();
    app.tick(t0);
    for n in 1..=3 {
        app.tick(t0 + super::app::SPIN_EVERY * n);
    }
    assert_eq!(app.spinner, 3);
    press(&mut app, ":ctx staging\n");
    insta::assert_snapshot!(screen(&mut app, W, 18));
    press(&mut app, "4");
    insta::assert_snapshot!("live_syncing_cluster_view", screen(&mut app, W, H));
}

/// An error too long for one line wraps onto up to three, taking the key hints' place.
#[test]
fn long_error_toast_wraps() {
    let mut app = demo_app().with_contexts(vec!["prod".into(), "staging".into()]);
    press(&mut app, ":ctx nowhere\n");
    app.switch_failed(
        "context \"nowhere\" is not in kubeconfig /home/sre/.kube/config; its contexts: prod, staging",
        Instant::now(),
    );
    let shown = screen(&mut app, 80, 20);
    insta::assert_snapshot!(shown);
    let joined: String = shown.lines().rev().take(2).collect::<Vec<_>>().join(" ");
    assert!(joined.contains("its contexts: prod, staging"), "{shown}");
}

/// `:can ACTION RESOURCE`: the question goes to the update service as an effect (the
/// dashboard never analyses); its answer narrows the tables to the bindings and node roles
/// allowed or unknown, and the drill-down shows the deciding statement; Esc clears it.
#[test]
fn can_narrows_the_tables_and_answers_in_the_drill_down() {
    use std::sync::Arc;

    use crate::analysis::permissions::ask::answers_by_role;
    use crate::policy::identity::Question;

    let mut app = demo_app();
    let (action, resource) = ("s3:DeleteObject", "arn:aws:s3:::shop-prod-media/tmp/x");
    press(&mut app, &format!(":can {action} {resource}\n"));
    assert_eq!(
        app.take_effects(),
        [super::app::Effect::Ask {
            action: action.into(),
            resource: resource.into()
        }]
    );
    assert_eq!(app.shown_bindings().len(), 86, "all shown while asking");
    // What the update service answers, from the same inventory.
    let answers = answers_by_role(
        &test_support::demo(),
        &Question::new(action, resource),
        &[],
        true,
    );
    // An answer to another question is dropped.
    app.answered(
        "s3:GetObject",
        "*",
        Arc::new(answers.clone()),
        Instant::now(),
    );
    assert_eq!(app.shown_bindings().len(), 86);
    app.answered(action, resource, Arc::new(answers), Instant::now());
    assert_eq!(
        app.shown_bindings(),
        // In the table's order: status (failing first), then namespace and name.
        [
            "analytics/warehouse-loader",
            "argo-workflows/argo-workflow",
            "ci/gitlab-runner",
            "analytics/partner-export"
        ]
    );
    insta::assert_snapshot!("can_bindings", screen(&mut app, W, H));
    select(&mut app, "ci/gitlab-runner");
    press(&mut app, "\n");
    insta::assert_snapshot!("can_drill_down", screen(&mut app, W, H));
    press(&mut app, "\x1b");
    assert_eq!(
        app.shown_bindings().len(),
        4,
        "Esc leaves the drill-down first"
    );
    press(&mut app, "\x1b");
    assert_eq!(app.shown_bindings().len(), 86, "then clears the question");
}

/// The drill-down's Permissions section: each policy of the role with its statements
/// (effect, actions, resources, conditions), the boundary last.
#[test]
fn binding_drill_down_permissions() {
    let mut app = demo_app();
    select(&mut app, "reporting/report-exporter");
    press(&mut app, "\n");
    let tall = screen(&mut app, W, 120);
    let from = tall.find("Permissions (").expect("a Permissions section");
    let section: String = tall[from..]
        .lines()
        .take_while(|l| !l.contains("Pods ("))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        section.contains("permissions boundary shop-prod-observability-boundary"),
        "{section}"
    );
    insta::assert_snapshot!(section);
}

/// Below the minimum size nothing is shown, so keys do nothing blind; `q` still quits, and
/// at a usable size again the keys act.
#[test]
fn a_too_small_terminal_ignores_all_but_quit() {
    let mut app = demo_app();
    let _ = screen(&mut app, 40, 10);
    press(&mut app, "2/payments\n");
    assert_eq!(app.tab, super::tab::Tab::Bindings, "no view changed blind");
    assert_eq!(app.query.filters, Default::default());
    let _ = screen(&mut app, W, H);
    press(&mut app, "2");
    assert_eq!(app.tab, super::tab::Tab::NodeRoles);
    let _ = screen(&mut app, 40, 10);
    press(&mut app, "q");
    assert!(app.should_quit());
}

/// At 80×24 the status counts (compact) and the footer's help and quit stay on screen.
#[test]
fn at_80x24_counts_help_and_quit_stay() {
    let mut app = demo_app();
    let table = screen(&mut app, 80, 24);
    assert!(table.contains("✗28 ?1 !20 ✓37"), "{table}");
    let footer = table.lines().last().unwrap_or_default().to_owned();
    assert!(
        footer.contains("? help") && footer.contains("q quit"),
        "{footer}"
    );
    insta::assert_snapshot!(table);
}

/// Wording: a ServiceAccount without annotations lines its fields up, and a pod never
/// injected is not called "not stale" (`-`: stale means injected with another role).
#[test]
fn a_drill_down_without_annotations_or_injection_reads_right() {
    let mut app = demo_app();
    select(&mut app, "catalog/image-resizer");
    press(&mut app, "\n");
    let tall = screen(&mut app, W, 120);
    let field = |name: &str| {
        let line = tall
            .lines()
            .find(|l| l.contains(&format!("  {name} ")))
            .unwrap_or_default();
        line.find(name).map(|i| {
            line[i + name.len()..].len() - line[i + name.len()..].trim_start().len()
                + i
                + name.len()
        })
    };
    assert_eq!(
        field("name"),
        field("annotations"),
        "values line up:\n{tall}"
    );
    let pod = tall
        .lines()
        .find(|l| l.contains("image-resizer-") && l.contains('✗'))
        .expect("a pod row, not injected");
    let after = pod.split('✗').nth(1).unwrap_or_default();
    assert_eq!(after.split_whitespace().next(), Some("-"), "{pod}");
}

/// A live table with nothing yet while sources sync says it is syncing, not that the
/// cluster has no bindings.
#[test]
fn an_empty_table_while_syncing_says_so() {
    let mut inv = test_support::demo();
    inv.service_accounts.clear();
    inv.pods.clear();
    inv.pod_identity_associations.clear();
    for s in &mut inv.sources {
        s.state = crate::inventory::SourceState::Syncing;
    }
    let mut app = test_support::app_on(&inv, Origin::Live, false);
    let text = screen(&mut app, W, H);
    assert!(text.contains("no bindings yet: syncing…"), "{text}");
}

/// The drill-down's first line says whether the pods get the role's credentials, and why.
#[test]
fn binding_drill_down_says_whether_pods_assume() {
    let mut app = demo_app();
    for (key, first) in [
        ("payments/payments-api", "Credentials  ✗ denied: IRSA203 "),
        (
            "ci/gitlab-runner",
            "Credentials  ✓ assumes: the trust policy allows",
        ),
        (
            "analytics/partner-export",
            "Credentials  ? unknown: IRSA103 ",
        ),
        ("catalog/image-resizer", "Credentials  - no role"),
    ] {
        press(&mut app, "\x1b");
        select(&mut app, key);
        press(&mut app, "\n");
        let text = screen(&mut app, W, H);
        let line = text.lines().nth(5).unwrap_or_default();
        assert!(line.starts_with(&format!("│{first}")), "{key}: {line}");
    }
}

/// The pods of a binding and what the selected one carries (`kubectl exec … env`): the
/// worst pod first, `p` moves to the next. A pod injected with an old role shows it.
#[test]
fn binding_drill_down_pod_evidence() {
    let section = |app: &mut App| {
        let tall = screen(app, W, 200);
        let from = tall.find("│Pods (").expect("a Pods section");
        tall[from..]
            .lines()
            .take_while(|l| !l.contains("Pod Identity association"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut app = demo_app();
    select(&mut app, "payments/payments-api");
    press(&mut app, "\n");
    let first = section(&mut app);
    assert!(first.contains("│▶ payments-api-"), "{first}");
    insta::assert_snapshot!("binding_drill_down_pod_evidence", first);
    press(&mut app, "p");
    let second = section(&mut app);
    assert_ne!(first, second, "p selects the next pod");
    press(&mut app, "\x1b");
    select(&mut app, "data-pipeline/kafka-connect");
    press(&mut app, "\n");
    let stale = section(&mut app);
    assert!(stale.contains("✗ not the annotation"), "{stale}");
    insta::assert_snapshot!("binding_drill_down_pod_evidence_stale", stale);
}

/// The selected row's match hint on the bottom border, and each view's filter in its tab.
#[test]
fn bindings_matched_by_a_pod() {
    let mut app = demo_app();
    press(&mut app, "2/compute\n1/payments-api-xsqf5xkmcl-7thd9\n");
    insta::assert_snapshot!(screen(&mut app, W, 18));
}

/// Widths by content at 80 and 140 columns (120 is the size of the other snapshots): names
/// whole where they fit, a cut role keeps what differs (`…payments-api`, `…compute…8WJ3`),
/// titles start with what differs.
#[test]
fn columns_by_content_at_80_and_140() {
    for width in [80, 140] {
        let mut app = demo_app();
        for (view, key) in [("bindings", "1"), ("node_roles", "2"), ("findings", "3")] {
            press(&mut app, key);
            insta::assert_snapshot!(
                format!("columns_{view}_at_{width}"),
                screen(&mut app, width, 20)
            );
        }
    }
}

/// The API server stopped answering: the header says since when the data is stale (not a
/// "last change" that keeps advancing) and that the server does not answer, rather than
/// listing every source; the findings hold one IRSA602, not one per source. AWS says when
/// it was last read.
#[test]
fn live_api_server_not_answering_and_aws_read_time() {
    let mut inv = test_support::demo();
    inv.context = Some("prod".into());
    inv.aws.read_at = Some("2026-11-20T09:28:41Z".into());
    inv.captured_at = Some("2026-11-20T09:30:02Z".into());
    for s in &mut inv.sources {
        s.state = crate::inventory::SourceState::Unreachable;
        s.unreachable_since = Some("2026-11-20T09:30:02Z".into());
        s.message = Some(format!(
            "cannot list {}: the connection was refused (nothing listens there): error trying to connect: tcp connect error: Connection refused (os error 111) (3 attempts in a row; still retrying)",
            s.resource
        ));
    }
    let mut app = test_support::app_on(&inv, Origin::Live, false);
    let text = screen(&mut app, W, 16);
    assert!(
        text.contains("✗ stale since 09:30:02 UTC") && !text.contains("last change"),
        "{text}"
    );
    assert!(text.contains("AWS ✓ read 09:28:41 UTC"), "{text}");
    insta::assert_snapshot!(text);
    let irsa602 = app
        .model
        .report
        .cluster_findings
        .iter()
        .filter(|f| f.code == crate::analysis::Code::IRSA602)
        .count();
    assert_eq!(irsa602, 1);
}

/// A fix of several steps is numbered in the drill-down, and `»` marks every line `y`
/// copies (IRSA104: annotate, then restart).
#[test]
fn binding_drill_down_numbers_the_steps_of_a_fix() {
    let mut app = demo_app();
    select(&mut app, "catalog/image-resizer");
    press(&mut app, "\n");
    let text = screen(&mut app, W, H);
    assert!(
        text.contains("fix: 2 steps, in order (y copies »)"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

/// A step that needs another account's credentials says which (IRSA301 of a role in
/// another account: the provider is created there, not with eksctl in the cluster's).
#[test]
fn binding_drill_down_names_the_account_a_step_needs() {
    let mut app = demo_app();
    select(&mut app, "analytics/warehouse-loader");
    press(&mut app, "\n");
    let text = screen(&mut app, W, H);
    assert!(text.contains("in account 222233334444"), "{text}");
    assert!(!text.contains("eksctl"), "{text}");
    insta::assert_snapshot!(text);
}

/// Alternatives are labelled either / or (IRSA301 of a role in the cluster's account).
#[test]
fn binding_drill_down_labels_alternatives() {
    let mut inv = test_support::demo();
    inv.oidc_providers
        .retain(|p| !p.arn.contains(":111122223333:"));
    let mut app = test_support::app_on(&inv, Origin::Demo, true);
    select(&mut app, "billing/billing-api");
    press(&mut app, "\n");
    let text = screen(&mut app, W, H);
    assert!(text.contains("fix: one of 2 (y copies »)"), "{text}");
    insta::assert_snapshot!(text);
}

/// What blocks first is listed first: the missing Pod Identity agent before the trust
/// policy's missing sts:TagSession, which the fix adds to the statement that already
/// trusts pods.eks.amazonaws.com.
#[test]
fn binding_drill_down_lists_what_blocks_first() {
    let mut app = demo_app();
    select(&mut app, "notifications/digest-mailer");
    press(&mut app, "\n");
    let text = screen(&mut app, W, H);
    let agent = text.find("IRSA704").expect("IRSA704 shown");
    let trust = text.find("IRSA702").expect("IRSA702 shown");
    assert!(agent < trust, "{text}");
    insta::assert_snapshot!(text);
}

//! The dashboard's state: keys, updates and switches, on the demo cluster.

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::analysis::{Code, Status};
use crate::inventory::Inventory;
use crate::inventory::SourceState;
use crate::tui::detail::Detail;
use crate::tui::export::Format;
use crate::tui::query::SortColumn;
use crate::tui::rows::FindingRow;
use crate::tui::tab::Tab;
use crate::tui::test_support::{app_on, apply, demo, demo_app, model, press, select};

fn app() -> App {
    demo_app(false)
}

/// The contexts of a kubeconfig found beside the demo.
fn kubeconfig_contexts() -> Vec<String> {
    ["prod", "staging", "dev", "lab"].map(String::from).to_vec()
}

/// On the demo without a kubeconfig, `:ctx` completes no context (the demo's is not one
/// that can be connected to) and says what it needs instead of trying.
#[test]
fn ctx_on_the_demo_without_a_kubeconfig_says_what_it_needs() {
    let mut app = app();
    press(&mut app, ":ctx \t");
    assert_eq!(
        app.input.as_ref().map(|i| i.text.as_str()),
        Some("ctx "),
        "nothing to complete"
    );
    assert!(app.input.as_ref().is_some_and(|i| i.candidates.is_empty()));
    press(
        &mut app,
        "\x1b:ctx arn:aws:eks:eu-west-1:111122223333:cluster/shop-prod\n",
    );
    assert!(app.take_effects().is_empty(), "no connection attempted");
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.kind == ToastKind::Error
                && t.text.starts_with(
                    "no kubeconfig was found: :ctx connects to a context of your kubeconfig"
                ))
    );
}

#[test]
fn starts_failing_first_on_the_first_binding() {
    let app = app();
    let shown = app.shown_bindings();
    assert_eq!(shown.len(), 86);
    assert_eq!(app.selected_binding(), Some(shown[0]));
    let first_ok = shown
        .iter()
        .position(|k| app.model.binding(k).map(|(_, b)| b.status) == Some(Status::Ok))
        .expect("an ok binding");
    assert!(
        shown[..first_ok]
            .iter()
            .all(|k| { app.model.binding(k).map(|(_, b)| b.status) != Some(Status::Ok) })
    );
}

#[test]
fn selection_follows_its_binding_across_sort_and_filter() {
    let mut app = app();
    select(&mut app, "payments/payments-api");
    let before = app.bindings.cursor.index;
    press(&mut app, "N");
    assert_eq!(app.query.sort.column, SortColumn::Namespace);
    assert_eq!(app.selected_binding(), Some("payments/payments-api"));
    assert_ne!(
        app.bindings.cursor.index, before,
        "the row moved, the selection too"
    );
    let shown = app.shown_bindings();
    assert_eq!(shown[app.bindings.cursor.index], "payments/payments-api");
    assert!(
        shown.windows(2).all(|w| w[0] <= w[1]),
        "sorted by namespace"
    );
    press(&mut app, "N");
    assert!(app.query.sort.descending);
    let shown = app.shown_bindings();
    assert!(shown.windows(2).all(|w| w[0] >= w[1]), "reversed");
    assert_eq!(shown[app.bindings.cursor.index], "payments/payments-api");

    press(&mut app, "/payments\n");
    assert!(app.input.is_none());
    assert_eq!(app.shown_bindings().len(), 4);
    assert_eq!(app.selected_binding(), Some("payments/payments-api"));
    press(&mut app, "/");
    assert_eq!(
        app.input.as_ref().map(|i| i.text.as_str()),
        Some("payments"),
        "/ edits the view's filter"
    );
    press(&mut app, "\x08\x08\x08\x08\x08\x08\x08\x08!paymentz\x08s\n");
    assert_eq!(
        app.query.filters.bindings.text, "!payments",
        "a new filter, edited"
    );
    assert!(!app.shown_bindings().contains(&"payments/payments-api"));
    assert_eq!(app.shown_bindings().len(), 86 - 4);
    press(&mut app, "\x1b");
    assert_eq!(app.shown_bindings().len(), 86, "Esc clears the filter");
    assert_eq!(
        app.selected_binding(),
        Some("payments/payments-api"),
        "back on its binding once shown again"
    );
    assert_eq!(
        app.shown_bindings()[app.bindings.cursor.index],
        "payments/payments-api"
    );
}

#[test]
fn problems_only_and_namespace_scope() {
    let mut app = app();
    press(&mut app, "f");
    assert_eq!(app.shown_bindings().len(), 86 - 37);
    press(&mut app, ":ns payments\n");
    assert_eq!(app.query.namespace.as_deref(), Some("payments"));
    assert_eq!(app.shown_bindings(), ["payments/payments-api"]);
    press(&mut app, "fff");
    assert_eq!(app.shown_bindings().len(), 4, "f cycled back to off");
    press(&mut app, ":ns all\n");
    assert_eq!(app.shown_bindings().len(), 86);
    press(&mut app, ":ns nowhere\n");
    assert_eq!(app.toast.as_ref().map(|t| t.kind), Some(ToastKind::Error));
    assert_eq!(app.query.namespace, None);
}

/// `f` cycles: problems (not ok) → denied only (the pods do not get the role's
/// credentials) → exposed only (others may assume the role) → off; the Findings view
/// follows, and node roles are neither denied nor exposed.
#[test]
fn f_cycles_problems_denied_exposed_and_off() {
    use crate::analysis::Assumes;
    use crate::tui::query::Problems;
    let mut app = app();
    let all = app.shown_bindings().len();
    press(&mut app, "f");
    assert_eq!(app.query.problems, Problems::All);
    assert_eq!(app.shown_bindings().len(), 86 - 37);
    press(&mut app, "f");
    assert_eq!(app.query.problems, Problems::Denied);
    let denied = app.shown_bindings();
    assert_eq!(denied.len(), 21, "{denied:?}");
    assert!(denied.contains(&"payments/payments-api"));
    assert!(
        !denied.contains(&"ci/gitlab-runner"),
        "exposed, but it assumes"
    );
    assert!(denied.iter().all(|k| {
        app.model
            .binding(k)
            .is_some_and(|(_, b)| b.assumes == Some(Assumes::Denied))
    }));
    press(&mut app, "3");
    let codes: Vec<Code> = app
        .findings
        .rows
        .iter()
        .filter_map(|r| match r {
            FindingRow::Group { code, .. } => Some(*code),
            FindingRow::Entry(_) => None,
        })
        .collect();
    assert!(codes.contains(&Code::IRSA203) && codes.contains(&Code::IRSA401));
    assert!(codes.iter().all(|c| c.stops_credentials()), "{codes:?}");
    press(&mut app, "2");
    assert!(
        app.node_roles.rows.is_empty(),
        "node roles are never denied"
    );
    press(&mut app, "1f");
    assert_eq!(app.query.problems, Problems::Exposed);
    assert_eq!(
        app.shown_bindings(),
        [
            "ci/gitlab-runner",
            "monitoring/yace",
            "data-pipeline/airflow-worker",
            "search/opensearch"
        ]
    );
    press(&mut app, "3");
    assert!(app.findings.rows.iter().all(|r| match r {
        FindingRow::Group { code, .. } => code.exposes(),
        FindingRow::Entry(_) => true,
    }));
    press(&mut app, "1f");
    assert_eq!(app.query.problems, Problems::Off);
    assert_eq!(app.shown_bindings().len(), all);
}

/// Shift-C sorts by whether the pods get the role's credentials: denied, unknown, yes,
/// then bindings without a role; again reverses.
#[test]
fn shift_c_sorts_by_assumes() {
    use crate::analysis::Assumes;
    let mut app = app();
    press(&mut app, "C");
    assert_eq!(app.query.sort.column, SortColumn::Assumes);
    let order: Vec<Option<Assumes>> = app
        .shown_bindings()
        .iter()
        .filter_map(|k| app.model.binding(k).map(|(_, b)| b.assumes))
        .collect();
    let rank = |a: &Option<Assumes>| match a {
        Some(Assumes::Denied) => 0,
        Some(Assumes::Unknown) => 1,
        Some(Assumes::Yes) => 2,
        None => 3,
    };
    assert!(
        order.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{order:?}"
    );
    assert_eq!(order.first(), Some(&Some(Assumes::Denied)));
    press(&mut app, "C");
    assert_eq!(
        app.shown_bindings()
            .first()
            .map(|k| app.model.binding(k).map(|(_, b)| b.assumes)),
        Some(Some(None))
    );
}

/// In a binding's drill-down, the worst pod is selected first and `p`/`P` move through
/// the pods; a new analysis keeps the selected pod.
#[test]
fn p_selects_the_pod_whose_evidence_is_shown() {
    let mut app = app();
    select(&mut app, "data-pipeline/kafka-connect");
    press(&mut app, "\n");
    let selected = |app: &App| match &app.detail {
        Some(Detail::Binding { pods, pod, .. }) => (pods.len(), *pod),
        _ => (0, usize::MAX),
    };
    assert_eq!(selected(&app).1, 0);
    press(&mut app, "pp");
    assert_eq!(selected(&app), (3, 2));
    press(&mut app, "p");
    assert_eq!(selected(&app), (3, 2), "stays on the last");
    press(&mut app, "P");
    assert_eq!(selected(&app), (3, 1));
    apply(&mut app, &demo(), Instant::now());
    assert_eq!(selected(&app), (3, 1), "kept across an update");
    // A binding with a pod never injected opens on it.
    press(&mut app, "\x1b");
    select(&mut app, "orders/fulfillment");
    press(&mut app, "\n");
    let Some(Detail::Binding { pods, pod, .. }) = &app.detail else {
        panic!("a drill-down");
    };
    assert!(!pods[*pod].injected);
}

#[test]
fn command_line_completes_and_queues_effects() {
    let mut app = app().with_contexts(kubeconfig_contexts());
    press(&mut app, ":ns paym\t");
    assert_eq!(
        app.input.as_ref().map(|i| i.text.as_str()),
        Some("ns payments ")
    );
    press(&mut app, "\x1b");
    assert!(app.input.is_none());
    press(&mut app, ":ex\thtml out.html\n");
    assert_eq!(
        app.take_effects(),
        [Effect::Export {
            formats: vec![Format::Html],
            path: Some("out.html".into())
        }]
    );
    press(&mut app, ":ctx staging\n");
    assert_eq!(
        app.take_effects(),
        [Effect::SwitchContext {
            context: "staging".into(),
            cluster: None
        }]
    );
    press(&mut app, "e");
    assert_eq!(
        app.take_effects(),
        [Effect::Export {
            formats: vec![Format::Markdown, Format::Json],
            path: None
        }]
    );
    press(&mut app, ":bogus\n");
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.contains("unknown command"))
    );
    press(&mut app, ":q\n");
    assert!(app.should_quit());
}

#[test]
fn drill_down_copy_and_back() {
    let mut app = app();
    select(&mut app, "payments/payments-api");
    press(&mut app, "\n");
    assert!(
        matches!(&app.detail, Some(Detail::Binding { key, pods, .. })
        if key == "payments/payments-api" && pods.len() == 6)
    );
    let Some(Detail::Binding { pods, .. }) = &app.detail else {
        unreachable!()
    };
    assert!(pods.iter().all(|p| p.age.is_some() && p.owner.is_some()));
    press(&mut app, "y");
    let effects = app.take_effects();
    let [Effect::Copy { text, what }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(
        text.starts_with("aws iam update-assume-role-policy --role-name shop-prod-payments-api")
    );
    assert_eq!(what, "the IRSA203 fix for payments/payments-api");
    press(&mut app, "jjj");
    assert_eq!(app.page_mut().map(|p| p.scroll), Some(3));
    press(&mut app, "\x1b");
    assert!(app.detail.is_none());
    assert_eq!(app.selected_binding(), Some("payments/payments-api"));
    press(&mut app, "q");
    assert!(app.should_quit());
}

#[test]
fn findings_view_jumps_to_the_binding_and_node_role() {
    let mut app = app();
    press(&mut app, "3");
    assert_eq!(app.tab, Tab::Findings);
    assert!(matches!(app.findings.rows[0], FindingRow::Group { .. }));
    assert_eq!(app.findings.cursor.index, 1, "headers are skipped");
    press(&mut app, "/irsa203\n\n");
    assert!(
        matches!(&app.detail, Some(Detail::Binding { key, .. }) if key == "payments/payments-api")
    );
    press(&mut app, "\x1b\x1b/IRSA502\n\n");
    assert!(matches!(&app.detail, Some(Detail::NodeRole { arn, .. })
        if arn.ends_with("shop-prod-legacy-workers-NodeRole")));
    let Some(Detail::NodeRole { page, .. }) = &app.detail else {
        unreachable!()
    };
    // The finding jumped to is selected: IRSA502, after the worse IRSA503.
    assert_eq!(page.finding, 1);
    press(&mut app, "\x1b\x1b/IRSA602\n\n");
    assert_eq!(app.tab, Tab::Cluster);
    assert!(app.detail.is_none());
    press(&mut app, "y");
    let effects = app.take_effects();
    let [Effect::Copy { text, what }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    // Every step, in order: the rule, who is bound, the binding, then the check of the
    // verb RBAC refused.
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "kubectl create clusterrole irsa-tui-read-configmaps --verb=get,list,watch --resource=configmaps",
            "kubectl auth whoami",
            "kubectl create clusterrolebinding irsa-tui-read-configmaps --clusterrole=irsa-tui-read-configmaps --user=USERNAME",
            "kubectl auth can-i get configmaps -n kube-system",
        ]
    );
    assert!(what.ends_with("(4 steps, in order)"), "{what}");
}

/// `y` on a fix of two steps copies both, in order, as one block (IRSA104: the annotation
/// first, then the restart that makes new pods pick it up).
#[test]
fn copy_takes_every_step_of_the_fix_in_order() {
    let mut app = app();
    select(&mut app, "catalog/image-resizer");
    press(&mut app, "\ny");
    let effects = app.take_effects();
    let [Effect::Copy { text, what }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        text,
        "kubectl annotate serviceaccount -n catalog image-resizer eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/shop-prod-catalog-image-resizer --overwrite\n\
         kubectl rollout restart deployment/image-resizer -n catalog"
    );
    assert_eq!(
        what,
        "the IRSA104 fix for catalog/image-resizer (2 steps, in order)"
    );
}

/// A step that needs another account's credentials is copied after a `#` line naming the
/// account (harmless when pasted); the cluster's eksctl is not offered for it.
#[test]
fn copy_names_the_account_a_step_needs() {
    let mut app = app();
    select(&mut app, "analytics/warehouse-loader");
    press(&mut app, "\ny");
    let effects = app.take_effects();
    let [Effect::Copy { text, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "# in account 222233334444: with that account's credentials (e.g. --profile <that account's profile>)",
            "aws iam create-open-id-connect-provider --url https://oidc.eks.eu-west-1.amazonaws.com/id/7E3A91C4D5B2F60814A9C3E7B1D05F62 --client-id-list sts.amazonaws.com",
        ]
    );
}

/// Of alternatives, `y` copies the first, complete, and says which of how many.
#[test]
fn copy_takes_the_first_alternative_and_says_so() {
    let mut inv = demo();
    inv.oidc_providers
        .retain(|p| !p.arn.contains(":111122223333:"));
    let mut app = app_on(&inv, Origin::Demo, false);
    select(&mut app, "billing/billing-api");
    press(&mut app, "\ny");
    let effects = app.take_effects();
    let [Effect::Copy { text, what }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        text,
        "eksctl utils associate-iam-oidc-provider --cluster shop-prod --region eu-west-1 --approve"
    );
    assert_eq!(
        what,
        "alternative 1 of 2 of the IRSA301 fix for billing/billing-api"
    );
}

#[test]
fn views_switch_with_tab_and_digits() {
    let mut app = app();
    press(&mut app, "\t");
    assert_eq!(app.tab, Tab::NodeRoles);
    app.handle_key(
        KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
        Instant::now(),
    );
    assert_eq!(app.tab, Tab::Bindings);
    app.handle_key(
        KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
        Instant::now(),
    );
    assert_eq!(app.tab, Tab::Cluster);
    press(&mut app, "2?");
    assert_eq!((app.tab, app.help), (Tab::NodeRoles, Some(0)));
    press(&mut app, "j\x1b");
    assert_eq!(app.help, None);
    app.handle_key(
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        Instant::now(),
    );
    assert!(app.should_quit());
}

#[test]
fn an_update_keeps_the_selection_and_highlights_what_changed() {
    let mut app = app();
    select(&mut app, "payments/payments-api");
    press(&mut app, "\n");
    let mut inv = demo();
    // Fix the trust policy's namespace, and delete one pod of another binding.
    let role = inv
        .roles
        .iter_mut()
        .find(|r| r.name == "shop-prod-payments-api")
        .expect("the role");
    role.trust_policy = role
        .trust_policy
        .as_ref()
        .map(|t| t.replace("payments-staging", "payments"));
    // The failed calls CloudTrail recorded for it have left the window (IRSA801 would keep
    // it failing: evidence never makes a binding better).
    inv.evidence
        .events
        .retain(|e| e.service_account.as_deref() != Some("payments/payments-api"));
    let gone = inv
        .pods
        .iter()
        .position(|p| p.namespace == "orders" && p.service_account == "orders-api")
        .expect("a pod");
    inv.pods.remove(gone);
    let t0 = Instant::now();
    let changed = apply(&mut app, &inv, t0);
    assert_eq!(changed, 2, "{:?}", app.changed);
    assert!(app.changed.contains("payments/payments-api"));
    assert!(app.changed.contains("orders/orders-api"));
    assert_eq!(app.selected_binding(), Some("payments/payments-api"));
    let (_, b) = app
        .model
        .binding("payments/payments-api")
        .expect("still there");
    assert_eq!(b.status, Status::Ok);
    assert_eq!(
        app.shown_bindings()[app.bindings.cursor.index],
        "payments/payments-api",
        "the row moved down among the ok ones; the selection followed"
    );
    assert!(
        matches!(&app.detail, Some(Detail::Binding { key, .. }) if key == "payments/payments-api")
    );
    assert_eq!(app.next_deadline(), Some(t0 + HIGHLIGHT_FOR));
    app.tick(t0 + HIGHLIGHT_FOR);
    assert!(app.changed.is_empty());
    assert_eq!(app.next_deadline(), None, "nothing left to wake up for");
    // The same data again changes nothing.
    assert_eq!(apply(&mut app, &inv, t0), 0);
    assert_eq!(app.next_deadline(), None);
}

#[test]
fn the_replaced_model_is_handed_over_to_be_freed_elsewhere() {
    let mut app = app();
    assert!(app.take_retired().is_none());
    let before = app.report().bindings.len();
    let mut inv = demo();
    inv.service_accounts
        .retain(|s| !(s.namespace == "payments" && s.name == "payments-api"));
    apply(&mut app, &inv, Instant::now());
    let old = app.take_retired().expect("the old model");
    assert_eq!(old.report.bindings.len(), before);
    assert_ne!(app.report().bindings.len(), before);
    assert!(app.take_retired().is_none(), "handed over once");
}

#[test]
fn an_update_that_removes_the_open_binding_closes_it() {
    let mut app = app();
    select(&mut app, "payments/payments-api");
    press(&mut app, "\n");
    let mut inv = demo();
    inv.service_accounts
        .retain(|s| !(s.namespace == "payments" && s.name == "payments-api"));
    apply(&mut app, &inv, Instant::now());
    assert!(app.detail.is_none());
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text == "payments/payments-api is gone")
    );
    assert!(app.selected_binding().is_some());
}

#[test]
fn esc_arriving_with_a_key_reads_as_both() {
    let mut app = app();
    press(&mut app, "\n");
    assert!(app.detail.is_some());
    app.handle_key(
        KeyEvent::new(KeyCode::Char('?'), KeyModifiers::ALT),
        Instant::now(),
    );
    assert!(app.detail.is_none(), "Esc closed the drill-down");
    assert_eq!(app.help, Some(0), "then ? opened the help");
}

#[test]
fn only_keys_and_resizes_redraw() {
    let mut app = app();
    let now = Instant::now();
    assert!(app.handle_event(&Event::Resize(80, 24), now));
    assert!(!app.handle_event(&Event::FocusGained, now));
    assert!(app.handle_event(
        &Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
        now
    ));
    assert_eq!(app.next_deadline(), None, "idle: no timer");
    app.notify("hello", ToastKind::Info, now);
    assert_eq!(app.next_deadline(), Some(now + TOAST_FOR));
    app.tick(now + TOAST_FOR);
    assert!(app.toast.is_none());
}

/// A live app whose sources are still on their first lists, and whose AWS read has not
/// answered yet.
fn syncing() -> (App, Inventory) {
    let mut inv = demo();
    inv.context = Some("prod".into());
    inv.aws = crate::inventory::AwsStatus::default();
    for s in &mut inv.sources {
        s.state = SourceState::Syncing;
        s.count = Some(100);
    }
    (app_on(&inv, Origin::Live, false), inv)
}

#[test]
fn the_spinner_turns_only_while_something_loads() {
    let demo_app = app();
    assert!(!demo_app.busy(), "the demo never loads");
    let (mut app, mut inv) = syncing();
    let t0 = Instant::now();
    assert!(app.busy());
    assert_eq!(
        app.next_deadline(),
        None,
        "not scheduled before the first tick"
    );
    app.tick(t0);
    assert_eq!(app.next_deadline(), Some(t0 + SPIN_EVERY));
    assert_eq!(app.spinner, 0);
    app.tick(t0 + SPIN_EVERY / 2);
    assert_eq!(app.spinner, 0, "not yet");
    app.tick(t0 + SPIN_EVERY);
    assert_eq!(app.spinner, 1);
    assert_eq!(app.next_deadline(), Some(t0 + SPIN_EVERY * 2));

    // The sources synced, AWS still reading: it keeps turning.
    for s in &mut inv.sources {
        s.state = SourceState::Ok;
    }
    let t1 = t0 + SPIN_EVERY * 2;
    apply(&mut app, &inv, t1);
    app.tick(t1 + HIGHLIGHT_FOR);
    assert!(app.busy());
    assert!(app.next_deadline().is_some());
    // AWS answered: nothing loads, no timer is left (no redraws while idle).
    inv.aws.reachable = true;
    let t2 = t1 + HIGHLIGHT_FOR;
    apply(&mut app, &inv, t2);
    assert!(!app.busy());
    app.tick(t2 + HIGHLIGHT_FOR);
    assert_eq!(app.next_deadline(), None);
    let turned = app.spinner;
    app.tick(t2 + HIGHLIGHT_FOR * 2);
    assert_eq!(app.spinner, turned, "stopped");
}

/// CloudTrail's evidence is read in the background after AWS: the spinner turns while it
/// arrives (the header shows the count), and stops once it is through.
#[test]
fn the_spinner_turns_while_cloudtrail_is_read() {
    let (_, mut inv) = syncing();
    for s in &mut inv.sources {
        s.state = SourceState::Ok;
    }
    inv.aws.reachable = true;
    inv.evidence.state = crate::inventory::TrailState::Reading;
    let mut app = app_on(&inv, Origin::Live, false);
    assert!(app.busy(), "reading CloudTrail");
    inv.evidence.state = crate::inventory::TrailState::Read;
    apply(&mut app, &inv, Instant::now());
    assert!(!app.busy(), "read through");
}

#[test]
fn ctx_connects_once_and_completes_the_kubeconfig_contexts() {
    let mut app = app().with_contexts(vec!["prod".into(), "staging".into(), "dev".into()]);
    press(&mut app, ":ctx st\t");
    assert_eq!(
        app.input.as_ref().map(|i| i.text.as_str()),
        Some("ctx staging ")
    );
    press(&mut app, "\n");
    assert_eq!(
        app.take_effects(),
        [Effect::SwitchContext {
            context: "staging".into(),
            cluster: None
        }]
    );
    assert_eq!(app.connecting.as_deref(), Some("staging"));
    assert!(app.busy(), "the spinner turns while connecting");
    press(&mut app, ":ctx dev\n");
    assert!(app.take_effects().is_empty(), "one connection at a time");
    assert!(app.toast.as_ref().is_some_and(
        |t| t.kind == ToastKind::Error && t.text == "still connecting to context staging"
    ));
}

#[test]
fn ctx_may_name_the_eks_cluster() {
    let mut app = app().with_contexts(kubeconfig_contexts());
    press(&mut app, ":ctx lab shop-lab\n");
    assert_eq!(
        app.take_effects(),
        [Effect::SwitchContext {
            context: "lab".into(),
            cluster: Some("shop-lab".into())
        }]
    );
}

#[test]
fn a_failed_switch_keeps_the_data_shown() {
    let mut app = app().with_contexts(kubeconfig_contexts());
    select(&mut app, "payments/payments-api");
    press(&mut app, ":ctx nowhere\n");
    let before = app.shown_bindings().len();
    app.switch_failed("no context \"nowhere\" in kubeconfig", Instant::now());
    assert_eq!(app.connecting, None);
    assert!(!app.busy());
    assert_eq!(app.origin, Origin::Demo);
    assert_eq!(app.shown_bindings().len(), before);
    assert_eq!(app.selected_binding(), Some("payments/payments-api"));
    assert_eq!(
        app.toast.as_ref().map(|t| (t.kind, t.text.as_str())),
        Some((
            ToastKind::Error,
            "cannot switch to context nowhere: no context \"nowhere\" in kubeconfig"
        ))
    );
}

#[test]
fn a_switch_shows_the_new_cluster_with_fresh_views() {
    let mut app = app().with_contexts(kubeconfig_contexts());
    press(&mut app, "N:ns payments\n");
    select(&mut app, "payments/payments-api");
    press(&mut app, "\n");
    assert!(app.detail.is_some());
    press(&mut app, ":ctx staging\n");
    assert_eq!(
        app.take_effects(),
        [Effect::SwitchContext {
            context: "staging".into(),
            cluster: None
        }]
    );
    let mut inv = demo();
    inv.context = Some("staging".into());
    inv.cluster.name = Some("staging".into());
    inv.service_accounts.retain(|s| s.namespace == "orders");
    let mut fresh = app_on(&inv, Origin::Live, false);
    press(&mut fresh, "N");
    let now = Instant::now();
    app.switched(model(&inv), "staging", now);
    assert_eq!(app.origin, Origin::Live);
    assert_eq!(app.connecting, None);
    assert!(app.detail.is_none(), "the old drill-down is closed");
    assert_eq!(
        app.query.namespace, None,
        "the old namespace scope is dropped"
    );
    assert_eq!(
        app.query.sort.column,
        SortColumn::Namespace,
        "the sort stays"
    );
    assert!(
        app.changed.is_empty(),
        "a new cluster is not a change to highlight"
    );
    let shown = app.shown_bindings();
    assert_eq!(shown, fresh.shown_bindings(), "as if it had started there");
    assert_ne!(shown.len(), 86);
    assert_eq!(app.selected_binding(), Some(shown[0]));
    assert_eq!(app.bindings.cursor.index, 0);
    assert_eq!(
        app.toast.as_ref().map(|t| t.text.as_str()),
        Some("switched to context staging")
    );
    // Asking for the context shown now connects to nothing.
    press(&mut app, ":ctx staging\n");
    assert!(app.take_effects().is_empty());
    assert_eq!(
        app.toast.as_ref().map(|t| t.text.as_str()),
        Some("already on context staging")
    );
}

/// The filter finds a binding from what an alert gives: a pod's name, a node's, a role
/// ARN, a finding code; space-separated terms must all match.
#[test]
fn the_filter_finds_a_binding_from_an_alert() {
    let mut app = app();
    let pod = app
        .report()
        .bindings
        .iter()
        .find(|b| b.namespace == "payments" && b.service_account == "payments-api")
        .and_then(|b| b.pods.first())
        .map(|p| {
            (
                p.name().to_string(),
                p.node().map(ToString::to_string).unwrap_or_default(),
            )
        })
        .expect("a pod of payments-api");
    press(&mut app, &format!("/{}\n", pod.0));
    assert_eq!(
        app.shown_bindings(),
        ["payments/payments-api"],
        "by pod name"
    );
    press(&mut app, "\x1b");
    press(&mut app, "/payments payments-api\n");
    assert_eq!(
        app.shown_bindings(),
        ["payments/payments-api"],
        "two terms, both must match"
    );
    press(&mut app, "\x1b");
    press(&mut app, "/irsa203 payments\n");
    assert_eq!(
        app.shown_bindings(),
        ["payments/payments-api"],
        "a code and a namespace"
    );
    press(&mut app, "\x1b");
    press(&mut app, &format!("/{}\n", pod.1));
    assert!(
        app.shown_bindings().contains(&"payments/payments-api"),
        "by node name"
    );
    press(&mut app, "\x1b");
    press(
        &mut app,
        "/arn:aws:iam::111122223333:role/shop-prod-payments-api\n",
    );
    assert_eq!(
        app.shown_bindings(),
        ["payments/payments-api"],
        "by role ARN"
    );
}

/// The filter reads a binding's pods off the binding (no lower-cased copy per row): a pod
/// name with capitals, as a hand-made snapshot may have, is found by any case; so is its
/// node, in the Findings view too.
#[test]
fn the_filter_finds_a_pod_named_with_capitals() {
    let mut inv = demo();
    let pod = inv
        .pods
        .iter_mut()
        .find(|p| p.namespace == "payments" && p.service_account == "payments-api")
        .expect("a pod of payments-api");
    pod.name = "Payments-API-Canary".into();
    pod.node = Some("Node-Upper-7".into());
    let mut app = app_on(&inv, Origin::Demo, false);
    for term in ["payments-api-canary", "PAYMENTS-api-CANARY", "node-upper-7"] {
        press(&mut app, &format!("/{term}\n"));
        assert_eq!(app.shown_bindings(), ["payments/payments-api"], "{term}");
        press(&mut app, "\x1b");
    }
    press(&mut app, "/no-such-pod-anywhere\n");
    assert!(app.shown_bindings().is_empty());
    press(&mut app, "\x1b3/NODE-upper-7\n");
    assert_eq!(app.tab, Tab::Findings);
    let about: Vec<String> = app
        .findings
        .rows
        .iter()
        .filter_map(|r| match r {
            FindingRow::Entry(e) => Some(
                app.model
                    .target_label(app.model.findings[*e].target)
                    .to_owned(),
            ),
            FindingRow::Group { .. } => None,
        })
        .collect();
    assert!(
        !about.is_empty() && about.iter().all(|t| t == "payments/payments-api"),
        "{about:?}"
    );
}

/// `:ns payments` then `:export`: the file holds that namespace's bindings only, counted
/// again, and says what it covers (Markdown, HTML and JSON alike); `:ns all` exports all.
#[test]
fn an_export_under_ns_holds_the_namespace_and_says_so() {
    let mut app = app();
    press(&mut app, ":ns payments\n:export md\n");
    assert_eq!(
        app.take_effects(),
        [Effect::Export {
            formats: vec![Format::Markdown],
            path: None
        }]
    );
    let report = app.export_report();
    assert!(
        !report.bindings.is_empty() && report.bindings.iter().all(|b| b.namespace == "payments"),
        "{:?}",
        report.bindings.iter().map(|b| b.key()).collect::<Vec<_>>()
    );
    assert_eq!(report.summary.bindings, report.bindings.len());
    assert_eq!(report.summary.failing, 1, "payments-api alone fails there");
    let total = app.model.namespaces.len();
    let dir = tempfile::tempdir().expect("tempdir");
    let files = crate::tui::export::write(
        &report,
        &[Format::Markdown, Format::Json, Format::Html],
        None,
        dir.path(),
        "20261201-200849",
    )
    .expect("written");
    let read = |i: usize| std::fs::read_to_string(&files[i]).expect("read");
    let md = read(0);
    assert!(
        md.contains(&format!(
            "- **Scope:** namespace payments (1 of {total} namespaces with bindings; node roles and cluster findings: the whole cluster)"
        )),
        "{md}"
    );
    assert!(md.contains("payments/payments-api") && !md.contains("orders/order-events"));
    let json: serde_json::Value = serde_json::from_str(&read(1)).expect("json");
    assert_eq!(
        json["scope"],
        serde_json::json!({"namespaces": ["payments"], "namespaces_total": total})
    );
    let keys: Vec<&str> = json
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(&keys[..4], ["schema", "generated_at", "cluster", "scope"]);
    assert!(read(2).contains("<dt>Scope</dt><dd>namespace payments (1 of "));

    press(&mut app, ":ns all\n");
    let whole = app.export_report();
    assert_eq!(whole.scope, None);
    assert_eq!(whole.bindings.len(), 86);
    let json = crate::render::json::render(&whole);
    assert!(!json.contains("\"scope\""), "a whole report has no scope");
}

/// `:snapshot [PATH]` asks for the inventory to be written (the dashboard does not hold it).
#[test]
fn snapshot_queues_its_effect() {
    let mut app = app();
    press(&mut app, ":snapshot\n:snapshot /tmp/s.json\n");
    assert_eq!(
        app.take_effects(),
        [
            Effect::Snapshot { path: None },
            Effect::Snapshot {
                path: Some("/tmp/s.json".into())
            }
        ]
    );
}

/// Each table view keeps its own filter: a binding filter leaves the node roles and the
/// findings whole, switching views keeps each one's, and Esc clears the current view's only.
#[test]
fn each_view_keeps_its_own_filter() {
    let mut app = app();
    let all_findings = app.findings.rows.len();
    press(&mut app, "/payments\n");
    assert_eq!(app.shown_bindings().len(), 4);
    press(&mut app, "2");
    assert_eq!(
        app.node_roles.rows.len(),
        4,
        "the binding filter stays there"
    );
    press(&mut app, "/");
    assert_eq!(
        app.input.as_ref().map(|i| i.text.as_str()),
        Some(""),
        "this view's own filter"
    );
    press(&mut app, "compute\n");
    assert_eq!(app.node_roles.rows.len(), 1);
    press(&mut app, "3");
    assert_eq!(app.findings.rows.len(), all_findings);
    press(&mut app, "1");
    assert_eq!(app.shown_bindings().len(), 4, "kept while away");
    press(&mut app, "\x1b");
    assert_eq!(app.shown_bindings().len(), 86, "Esc clears this view's");
    press(&mut app, "2");
    assert_eq!(app.node_roles.rows.len(), 1, "and only this view's");
    assert_eq!(app.query.filters.node_roles.text, "compute");
}

/// A row shown for what its columns do not show says why, for the selected row: the pod
/// or node an alert named, the role's ARN, a finding that is not the one shown, a policy.
#[test]
fn the_selected_row_says_why_the_filter_matched_it() {
    use crate::tui::rows;
    let mut app = app();
    let why = |app: &App| {
        app.bindings.selected().map_or_else(Vec::new, |&i| {
            rows::binding_reasons(&app.model, i, &app.query.filters.bindings)
        })
    };
    press(&mut app, "/payments-api-xsqf5xkmcl-7thd9\n");
    assert_eq!(why(&app), ["pod payments-api-xsqf5xkmcl-7thd9"]);
    press(&mut app, "\x1b/payments ip-10-0-28-199\n");
    assert_eq!(
        why(&app),
        ["node ip-10-0-28-199.eu-west-1.compute.internal"],
        "payments is in a column"
    );
    press(&mut app, "\x1b/irsa203 payments\n");
    assert!(why(&app).is_empty(), "the code is in the FINDINGS column");
    press(
        &mut app,
        "\x1b/arn:aws:iam::111122223333:role/shop-prod-payments-api\n",
    );
    assert_eq!(
        why(&app),
        ["role arn:aws:iam::111122223333:role/shop-prod-payments-api"]
    );
    press(&mut app, "\x1b/irsa222 ci\n");
    assert_eq!(app.shown_bindings(), ["ci/gitlab-runner"]);
    assert_eq!(why(&app), ["finding IRSA222"], "not its worst finding");

    press(&mut app, "\x1b2/ship-logs\n");
    let node_why = |app: &App| {
        app.node_roles.selected().map_or_else(Vec::new, |&i| {
            rows::node_role_reasons(&app.model, i, &app.query.filters.node_roles)
        })
    };
    assert_eq!(app.node_roles.rows.len(), 1);
    assert_eq!(node_why(&app), ["policy ship-logs"]);
    press(&mut app, "\x1b/default/debug-shell\n");
    assert_eq!(app.node_roles.rows.len(), 1, "the node role a pod inherits");
    assert_eq!(node_why(&app), ["pod default/debug-shell"]);

    press(&mut app, "\x1b3/payments-api-xsqf5xkmcl-7thd9\n");
    let entries: Vec<usize> = app
        .findings
        .rows
        .iter()
        .filter_map(|r| match r {
            FindingRow::Entry(e) => Some(*e),
            FindingRow::Group { .. } => None,
        })
        .collect();
    assert_eq!(
        entries.len(),
        2,
        "the binding's findings (IRSA203, and IRSA801 from CloudTrail), by its pod"
    );
    press(&mut app, "j");
    assert_eq!(
        rows::finding_reasons(&app.model, entries[0], &app.query.filters.findings),
        ["pod payments-api-xsqf5xkmcl-7thd9"]
    );
    press(&mut app, "\x1b/role/shop-prod-payments-api\n");
    assert!(
        app.findings.rows.len() >= 2,
        "by the role's ARN, which the row does not show"
    );
}

/// Random watch events (pods deleted, added back and moved to another node; ServiceAccounts
/// deleted, added back and pointed at another role), a batch at a time, as the live
/// dashboard gets them: after each patch the model equals the model of the whole analysis,
/// and the bindings in every sort order (kept by moving the rows that changed) and the rows
/// shown equal those of a dashboard built from scratch.
#[test]
fn patched_rows_and_their_order_equal_a_dashboard_built_from_scratch() {
    use crate::tui::model::tests::{demo_store, same};
    use crate::tui::query::Sort;
    use crate::updates::Following;
    let store = demo_store();
    let settings = crate::analysis::Settings::default();
    let mut following = Following::start(&store, &settings);
    let sorts: Vec<Sort> = [
        SortColumn::Status,
        SortColumn::Namespace,
        SortColumn::ServiceAccount,
        SortColumn::Role,
        SortColumn::Assumes,
        SortColumn::Pods,
        SortColumn::Findings,
        SortColumn::Evidence,
    ]
    .into_iter()
    .flat_map(|column| [false, true].map(|descending| Sort { column, descending }))
    .collect();
    let mut apps: Vec<App> = sorts
        .iter()
        .map(|&sort| {
            let mut app = App::new(Model::new(following.analysed()), Origin::Live, app().theme);
            app.query.sort = sort;
            app.sorted = rows::sorted_bindings(&app.model, sort);
            app.rebuild();
            app
        })
        .collect();
    let (pods, sas, nodes) = store.read(|d| {
        (
            d.pods.values().cloned().collect::<Vec<_>>(),
            d.service_accounts.values().cloned().collect::<Vec<_>>(),
            d.nodes.keys().cloned().collect::<Vec<_>>(),
        )
    });
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    // How many patches changed rows in place (the rows' order then only moves them).
    let mut in_place = 0;
    let mut tracked = Model::new(following.analysed());
    let now = Instant::now();
    for step in 0..60 {
        let events = 1 + next(3);
        let choices: Vec<(usize, usize, usize)> = (0..events)
            .map(|_| (next(6), next(1 << 16), next(1 << 16)))
            .collect();
        store.update(|d| {
            for &(kind, a, b) in &choices {
                let pod = &pods[a % pods.len()];
                let pk = (pod.namespace.clone(), pod.name.clone());
                let sa = &sas[a % sas.len()];
                let sk = crate::inventory::named(&sa.namespace, &sa.name);
                match kind {
                    0 | 1 => {
                        d.pods.remove(&pk);
                    }
                    2 => {
                        d.pods.insert(pk, pod.clone());
                    }
                    3 => {
                        let mut p = crate::inventory::Pod::clone(pod);
                        p.node = Some(nodes[b % nodes.len()].as_str().into());
                        d.pods.insert(pk, p.into());
                    }
                    4 => {
                        if b % 2 == 0 {
                            d.service_accounts.remove(&sk);
                        } else {
                            d.service_accounts.insert(sk, sa.clone());
                        }
                    }
                    _ => {
                        let mut s = sa.clone();
                        s.role_arn = Some(format!("arn:aws:iam::111122223333:role/r{}", b % 4));
                        d.service_accounts.insert(sk, s);
                    }
                }
            }
        });
        let Some(patch) = following.update(&store, format!("2026-12-02T10:{:02}:00Z", step)) else {
            panic!("step {step}: a patch, not everything again");
        };
        let whole = Model::new(following.analysed());
        if tracked
            .patch_rows(patch.clone())
            .in_place
            .is_some_and(|rows| !rows.is_empty())
        {
            in_place += 1;
        }
        for (app, &sort) in apps.iter_mut().zip(&sorts) {
            app.apply_patch(patch.clone(), now);
            same(&app.model, &whole);
            let mut fresh = App::new(Model::new(following.analysed()), Origin::Live, app.theme);
            fresh.query.sort = sort;
            fresh.sorted = rows::sorted_bindings(&fresh.model, sort);
            fresh.rebuild();
            assert_eq!(app.sorted, fresh.sorted, "step {step}, {sort:?}");
            assert_eq!(
                app.bindings.rows, fresh.bindings.rows,
                "step {step}, {sort:?}"
            );
            assert_eq!(
                app.findings.rows, fresh.findings.rows,
                "step {step}, {sort:?}"
            );
            assert_eq!(
                app.node_roles.rows, fresh.node_roles.rows,
                "step {step}, {sort:?}"
            );
        }
    }
    assert!(in_place > 0, "some patches changed rows in place");
}

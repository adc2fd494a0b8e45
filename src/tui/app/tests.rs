//! The dashboard's state: keys, updates and switches, on the demo cluster.

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::analysis::Status;
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
    press(&mut app, "/!paymentz\x08s\n");
    assert_eq!(app.query.filter.text, "!payments", "a new filter, edited");
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
    assert_eq!(app.shown_bindings().len(), 86 - 38);
    press(&mut app, ":ns payments\n");
    assert_eq!(app.query.namespace.as_deref(), Some("payments"));
    assert_eq!(app.shown_bindings(), ["payments/payments-api"]);
    press(&mut app, "f");
    assert_eq!(app.shown_bindings().len(), 4);
    press(&mut app, ":ns all\n");
    assert_eq!(app.shown_bindings().len(), 86);
    press(&mut app, ":ns nowhere\n");
    assert_eq!(app.toast.as_ref().map(|t| t.kind), Some(ToastKind::Error));
    assert_eq!(app.query.namespace, None);
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
    press(&mut app, "\x1b/IRSA502\n\n");
    assert!(matches!(&app.detail, Some(Detail::NodeRole { arn, .. })
        if arn.ends_with("shop-prod-legacy-workers-NodeRole")));
    let Some(Detail::NodeRole { page, .. }) = &app.detail else {
        unreachable!()
    };
    // The finding jumped to is selected: IRSA502, after the worse IRSA503.
    assert_eq!(page.finding, 1);
    press(&mut app, "\x1b/IRSA602\n\n");
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
        .map(|p| (p.name.clone(), p.node.clone().unwrap_or_default()))
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

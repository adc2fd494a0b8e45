//! The one keymap: it drives dispatch, the `?` help and the footer hints, so what the help
//! says is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::query::SortColumn;
use super::tab::Tab;

use Action as A;
use Scope as S;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Back,
    Open,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    NextView,
    PrevView,
    View(Tab),
    Filter,
    Command,
    ProblemsOnly,
    Sort(SortColumn),
    Export,
    Copy,
    Refresh,
    NextFinding,
    PrevFinding,
    NextPod,
    PrevPod,
    // The filter and command line.
    Submit,
    Cancel,
    Complete,
    DeleteBack,
}

/// Where a key works. A screen activates a few scopes (see `App::scopes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere, even while typing.
    Always,
    /// Everywhere but the filter and command line.
    Global,
    Navigation,
    /// The Bindings, Node roles and Findings tables.
    List,
    /// The Bindings table only.
    Bindings,
    /// Drill-downs and the Cluster view.
    Page,
    /// A binding's drill-down only.
    BindingPage,
    /// The filter and command line.
    Input,
    /// The command line only.
    Command,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Always | Scope::Global => "Anywhere",
            Scope::Navigation => "Moving",
            Scope::List => "Tables",
            Scope::Bindings => "Bindings: sorting (same key again reverses)",
            Scope::Page => "Drill-downs and the Cluster view",
            Scope::BindingPage => "A binding's drill-down",
            Scope::Input => "Filter (/) and command line (:)",
            Scope::Command => "Command line (:)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    fn matches(self, ev: &KeyEvent) -> bool {
        if ev.modifiers.contains(KeyModifiers::ALT) {
            return false;
        }
        if ev.modifiers.contains(KeyModifiers::CONTROL) != self.ctrl {
            return false;
        }
        // Shift is carried by the character itself (`S`) or by BackTab.
        self.code == ev.code
    }

    /// How the key is written in the help (`long`) or the footer.
    pub fn label(self, long: bool) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) if c.is_ascii_uppercase() && long && !self.ctrl => {
                format!("Shift-{c}")
            }
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// The scope sets the screens activate.
pub const BINDINGS_TABLE: &[Scope] = &[S::Always, S::Global, S::Navigation, S::List, S::Bindings];
pub const TABLE: &[Scope] = &[S::Always, S::Global, S::Navigation, S::List];
pub const PAGE: &[Scope] = &[S::Always, S::Global, S::Navigation, S::Page];
pub const BINDING_PAGE: &[Scope] = &[S::Always, S::Global, S::Navigation, S::Page, S::BindingPage];
pub const HELP: &[Scope] = &[S::Always, S::Global, S::Navigation];
pub const FILTER: &[Scope] = &[S::Always, S::Input];
pub const COMMAND: &[Scope] = &[S::Always, S::Input, S::Command];

pub struct Entry {
    pub keys: &'static [Key],
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
    /// The footer's short name; entries with the same hint share one footer item.
    pub hint: Option<&'static str>,
}

const fn entry(
    keys: &'static [Key],
    action: Action,
    scope: Scope,
    help: &'static str,
    hint: Option<&'static str>,
) -> Entry {
    Entry {
        keys,
        action,
        scope,
        help,
        hint,
    }
}

pub const KEYMAP: &[Entry] = &[
    entry(&[ctrl('c')], A::Quit, S::Always, "quit", None),
    entry(
        &[code(KeyCode::Esc)],
        A::Back,
        S::Global,
        "back, or clear the filter",
        Some("back"),
    ),
    entry(
        &[code(KeyCode::Tab)],
        A::NextView,
        S::Global,
        "next / previous view",
        None,
    ),
    entry(
        &[code(KeyCode::BackTab)],
        A::PrevView,
        S::Global,
        "next / previous view",
        None,
    ),
    entry(
        &[ch('1')],
        A::View(Tab::Bindings),
        S::Global,
        "views (numbered in the tabs)",
        None,
    ),
    entry(
        &[ch('2')],
        A::View(Tab::NodeRoles),
        S::Global,
        "views (numbered in the tabs)",
        None,
    ),
    entry(
        &[ch('3')],
        A::View(Tab::Findings),
        S::Global,
        "views (numbered in the tabs)",
        None,
    ),
    entry(
        &[ch('4')],
        A::View(Tab::Cluster),
        S::Global,
        "views (numbered in the tabs)",
        None,
    ),
    entry(
        &[ch(':')],
        A::Command,
        S::Global,
        "commands: ns ctx can export snapshot",
        Some("cmd"),
    ),
    entry(
        &[ch('e')],
        A::Export,
        S::Global,
        "export the report (md + json) here",
        Some("export"),
    ),
    entry(
        &[ch('y')],
        A::Copy,
        S::Global,
        "copy the fix, every step (OSC 52)",
        Some("copy fix"),
    ),
    entry(
        &[ctrl('r')],
        A::Refresh,
        S::Global,
        "refresh AWS data",
        None,
    ),
    entry(&[ch('?')], A::Help, S::Global, "this help", Some("help")),
    entry(&[ch('q')], A::Quit, S::Global, "quit", Some("quit")),
    entry(
        &[ch('k'), code(KeyCode::Up)],
        A::Up,
        S::Navigation,
        "up",
        None,
    ),
    entry(
        &[ch('j'), code(KeyCode::Down)],
        A::Down,
        S::Navigation,
        "down",
        None,
    ),
    entry(
        &[ch('g'), code(KeyCode::Home)],
        A::Top,
        S::Navigation,
        "first line",
        None,
    ),
    entry(
        &[ch('G'), code(KeyCode::End)],
        A::Bottom,
        S::Navigation,
        "last line",
        None,
    ),
    entry(
        &[code(KeyCode::PageUp)],
        A::PageUp,
        S::Navigation,
        "page up",
        None,
    ),
    entry(
        &[code(KeyCode::PageDown)],
        A::PageDown,
        S::Navigation,
        "page down",
        None,
    ),
    entry(
        &[ctrl('u')],
        A::HalfPageUp,
        S::Navigation,
        "half a page up",
        None,
    ),
    entry(
        &[ctrl('d')],
        A::HalfPageDown,
        S::Navigation,
        "half a page down",
        None,
    ),
    entry(
        &[code(KeyCode::Enter)],
        A::Open,
        S::List,
        "drill down, or jump to it",
        Some("open"),
    ),
    entry(
        &[ch('/')],
        A::Filter,
        S::List,
        "filter this view (!term inverts)",
        Some("filter"),
    ),
    entry(
        &[ch('f')],
        A::ProblemsOnly,
        S::List,
        "problems → denied → exposed → off",
        Some("problems"),
    ),
    entry(
        &[ch('S')],
        A::Sort(SortColumn::Status),
        S::Bindings,
        "sort by status",
        Some("sort"),
    ),
    entry(
        &[ch('N')],
        A::Sort(SortColumn::Namespace),
        S::Bindings,
        "sort by namespace",
        Some("sort"),
    ),
    entry(
        &[ch('A')],
        A::Sort(SortColumn::ServiceAccount),
        S::Bindings,
        "sort by ServiceAccount",
        Some("sort"),
    ),
    entry(
        &[ch('R')],
        A::Sort(SortColumn::Role),
        S::Bindings,
        "sort by role",
        Some("sort"),
    ),
    entry(
        &[ch('C')],
        A::Sort(SortColumn::Assumes),
        S::Bindings,
        "sort by credentials (denied first)",
        Some("sort"),
    ),
    entry(
        &[ch('P')],
        A::Sort(SortColumn::Pods),
        S::Bindings,
        "sort by pods",
        Some("sort"),
    ),
    entry(
        &[ch('F')],
        A::Sort(SortColumn::Findings),
        S::Bindings,
        "sort by findings",
        Some("sort"),
    ),
    entry(
        &[ch('E')],
        A::Sort(SortColumn::Evidence),
        S::Bindings,
        "sort by evidence (failed STS first)",
        Some("sort"),
    ),
    entry(
        &[ch('n')],
        A::NextFinding,
        S::Page,
        "next / previous finding",
        Some("finding"),
    ),
    entry(
        &[ch('N')],
        A::PrevFinding,
        S::Page,
        "next / previous finding",
        Some("finding"),
    ),
    entry(
        &[ch('p')],
        A::NextPod,
        S::BindingPage,
        "next / previous pod (what it carries)",
        Some("pod"),
    ),
    entry(
        &[ch('P')],
        A::PrevPod,
        S::BindingPage,
        "next / previous pod (what it carries)",
        Some("pod"),
    ),
    entry(
        &[code(KeyCode::Enter)],
        A::Submit,
        S::Input,
        "apply",
        Some("apply"),
    ),
    entry(
        &[code(KeyCode::Esc)],
        A::Cancel,
        S::Input,
        "cancel (the filter: clear it)",
        Some("cancel"),
    ),
    entry(
        &[code(KeyCode::Tab)],
        A::Complete,
        S::Command,
        "complete the command",
        Some("complete"),
    ),
    entry(
        &[code(KeyCode::Backspace)],
        A::DeleteBack,
        S::Input,
        "delete a character",
        None,
    ),
];

/// The action `key` triggers in the active `scopes`, first match in keymap order.
pub fn action(scopes: &[Scope], key: &KeyEvent) -> Option<Action> {
    KEYMAP
        .iter()
        .filter(|e| scopes.contains(&e.scope))
        .find(|e| e.keys.iter().any(|k| k.matches(key)))
        .map(|e| e.action)
}

/// The footer's hints for the active scopes, the screen's own keys first: `(keys, name)`,
/// merged by name.
pub fn hints(scopes: &[Scope]) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let active = scopes
        .iter()
        .rev()
        .flat_map(|scope| KEYMAP.iter().filter(move |e| e.scope == *scope));
    for e in active {
        let (Some(hint), Some(key)) = (e.hint, e.keys.first()) else {
            continue;
        };
        let keys = key.label(false);
        match out.iter_mut().find(|(_, h)| *h == hint) {
            Some((k, _)) => {
                k.push('/');
                k.push_str(&keys);
            }
            None => out.push((keys, hint)),
        }
    }
    out
}

/// The help's sections, in keymap order: `(title, [(keys, what)])`.
pub fn help() -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    let mut out: Vec<(&'static str, Vec<(String, &'static str)>)> = Vec::new();
    for e in KEYMAP {
        let keys = e
            .keys
            .iter()
            .map(|k| k.label(true))
            .collect::<Vec<_>>()
            .join(", ");
        let title = e.scope.title();
        match out.iter_mut().find(|(t, _)| *t == title) {
            Some((_, items)) => match items.iter_mut().find(|(_, h)| *h == e.help) {
                // `q` and `Ctrl-c` both quit: one line.
                Some((k, _)) => {
                    k.push_str(", ");
                    k.push_str(&keys);
                }
                None => items.push((keys, e.help)),
            },
            None => out.push((title, vec![(keys, e.help)])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn scopes_decide_what_a_key_does() {
        let (list, page, input) = (BINDINGS_TABLE, PAGE, FILTER);
        let shift_n = key(KeyCode::Char('N'), KeyModifiers::SHIFT);
        assert_eq!(action(list, &shift_n), Some(A::Sort(SortColumn::Namespace)));
        assert_eq!(action(page, &shift_n), Some(A::PrevFinding));
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(action(list, &q), Some(A::Quit));
        assert_eq!(action(input, &q), None, "q is text while typing");
        let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action(input, &ctrl_c), Some(A::Quit));
        let esc = key(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(action(input, &esc), Some(A::Cancel));
        assert_eq!(action(list, &esc), Some(A::Back));
        let ctrl_d = key(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(action(list, &ctrl_d), Some(A::HalfPageDown));
        let d = key(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(action(list, &d), None);
        let backtab = key(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(action(list, &backtab), Some(A::PrevView));
    }

    #[test]
    fn no_key_is_bound_twice_on_one_screen() {
        for screen in [
            BINDINGS_TABLE,
            TABLE,
            PAGE,
            BINDING_PAGE,
            HELP,
            FILTER,
            COMMAND,
        ] {
            let active: Vec<&Entry> = KEYMAP
                .iter()
                .filter(|e| screen.contains(&e.scope))
                .collect();
            for (i, a) in active.iter().enumerate() {
                for b in &active[i + 1..] {
                    assert!(
                        !a.keys.iter().any(|k| b.keys.contains(k)),
                        "{:?} and {:?} share a key on {screen:?}",
                        a.action,
                        b.action
                    );
                }
            }
        }
    }

    #[test]
    fn help_and_footer_come_from_the_keymap() {
        let help = help();
        let anywhere = &help[0];
        assert_eq!(anywhere.0, "Anywhere");
        assert_eq!(anywhere.1[0], ("Ctrl-c, q".to_owned(), "quit"));
        assert!(
            anywhere
                .1
                .contains(&("1, 2, 3, 4".to_owned(), "views (numbered in the tabs)"))
        );
        let sorting = help
            .iter()
            .find(|(t, _)| t.starts_with("Bindings"))
            .expect("a sorting section");
        assert!(sorting.1.iter().any(|(k, _)| k == "Shift-S"));
        let hints = hints(BINDINGS_TABLE);
        assert!(hints.contains(&("S/N/A/R/C/P/F/E".to_owned(), "sort")));
        assert!(hints.contains(&("/".to_owned(), "filter")));
        assert_eq!(hints[0].1, "sort", "the screen's own keys first");
        assert!(self::hints(PAGE).contains(&("n/N".to_owned(), "finding")));
        assert!(self::hints(BINDING_PAGE).contains(&("p/P".to_owned(), "pod")));
        assert!(!self::hints(PAGE).iter().any(|(_, h)| *h == "pod"));
    }
}

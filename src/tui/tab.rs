//! The dashboard's views, in tab order.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Bindings,
    NodeRoles,
    Findings,
    Cluster,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Bindings, Tab::NodeRoles, Tab::Findings, Tab::Cluster];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Bindings => "Bindings",
            Tab::NodeRoles => "Node roles",
            Tab::Findings => "Findings",
            Tab::Cluster => "Cluster",
        }
    }

    pub fn position(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn step(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.position() as isize + by).rem_euclid(n) as usize]
    }
}

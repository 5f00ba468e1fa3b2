//! Typed ids of stored rows, so an audit id can never be passed as an election id.

use std::fmt;

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

row_id!(
    /// A stored election.
    ElectionId
);
row_id!(
    /// One committed card import.
    ImportId
);
row_id!(
    /// One stored ballot manifest (an election may have several; the latest counts).
    ManifestId
);
row_id!(
    /// A stored audit.
    AuditId
);
row_id!(
    /// A user (administrator, audit board member, observer).
    UserId
);

//! Server-rendered pages (maud): the shell and the shared views.

pub mod layout;
pub mod views;

//! The terminal front end: the interactive prompt ([`interactive`]), the
//! scripted runner ([`batch`]) and init files ([`init`]), each driving a
//! [`crate::console::Console`].

pub mod batch;
pub mod init;
pub mod interactive;

//! The binary's wiring: the command line, settings, both databases, the layering rules, and a
//! real server driven by a real browser.

mod browser;
mod commands;
mod layering;
mod settings;
mod trade;
mod worker;

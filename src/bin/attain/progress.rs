//! Progress bars on standard error, for commands that run long enough to
//! wonder about.
//!
//! The library reports progress without printing (the engine through
//! [`attain::engine::Progress`], sweeps through an
//! [`attain::study::OnProgress`] callback); this module turns those calls into
//! one indicatif bar with elapsed time and ETA. The bar:
//!
//! * is drawn on standard error only, never on standard output;
//! * is never drawn when standard error is not a terminal (indicatif's stderr
//!   target hides itself there, and on `TERM=dumb`), nor with `--quiet`;
//! * appears only once the command has run for [`SHOW_AFTER`] (one second;
//!   the `ATTAIN_PROGRESS_DELAY_MS` environment variable changes it), so quick
//!   commands never flash a bar: until then the bar draws to a hidden target,
//!   and indicatif's own clock decides when to switch;
//! * once shown, redraws on a steady tick, so elapsed time and ETA move
//!   between updates;
//! * is cleared when the command ends, before anything else is printed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a command runs before its bar appears.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

/// How often a shown bar redraws on its own.
const TICK: Duration = Duration::from_millis(120);

/// A progress bar on standard error (see the module docs for when it shows).
pub struct Bar {
    bar: ProgressBar,
    /// Never show (--quiet).
    quiet: bool,
    /// Whether the bar has switched to standard error.
    shown: AtomicBool,
    delay: Duration,
}

impl Bar {
    /// A bar counting `unit` (plural: "paths", "grid points"), hidden for
    /// good when `quiet`.
    pub fn new(quiet: bool, unit: &'static str) -> Bar {
        let delay = std::env::var("ATTAIN_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(SHOW_AFTER, Duration::from_millis);
        Bar {
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
                .with_message(unit),
            quiet,
            shown: AtomicBool::new(false),
            delay,
        }
    }

    /// `done` of `total` are finished; `total` 0 means not known in advance
    /// (a goal seek), which shows a counter instead of a bar.
    pub fn update(&self, done: u64, total: u64) {
        if self.quiet {
            return;
        }
        if total > 0 && self.bar.length() != Some(total) {
            self.bar.set_length(total);
        }
        self.bar.set_position(done);
        if !self.shown.load(Ordering::Relaxed)
            && self.bar.elapsed() >= self.delay
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_style(style(total > 0));
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            if !self.bar.is_hidden() {
                self.bar.enable_steady_tick(TICK);
            }
        }
    }

    /// A callback for the sweep functions, which count in `usize`.
    pub fn callback(&self) -> impl Fn(usize, usize) + Sync + '_ {
        move |done, total| self.update(done as u64, total as u64)
    }

    /// Clear the bar now (before printing anything else on standard error).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar with ETA when the total is known, a counter otherwise.
fn style(known_total: bool) -> ProgressStyle {
    let template = if known_total {
        "{spinner} [{elapsed_precise}] {wide_bar:.cyan/blue} {human_pos}/{human_len} {msg} · ETA {eta}"
    } else {
        "{spinner} [{elapsed_precise}] {human_pos} {msg}"
    };
    // The templates are constants: an error here is a bug, and a plain bar
    // is still better than none.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl attain::engine::Progress for Bar {
    fn advance(&self, done: u64, total: u64) {
        self.update(done, total);
    }
}

impl Drop for Bar {
    /// Clear the bar however the command ends (an error is printed after it).
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

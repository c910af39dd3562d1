//! Logs in the form Terraform reads from a plugin's stderr: one JSON object a line with
//! `@level`, `@message`, `@timestamp` (Go's `2006-01-02T15:04:05.000000Z07:00` layout) and
//! `@module`, plus the event's fields. Terraform shows them under `TF_LOG`/`TF_LOG_PROVIDER`;
//! the level we emit follows the same variables so a quiet run pays nothing for logging.

use std::io::Write;

use time::OffsetDateTime;
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// The most detailed level asked for by `TF_LOG_PROVIDER`, else `TF_LOG`; warnings otherwise.
pub fn level_from_env(get: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let raw = get("TF_LOG_PROVIDER")
        .filter(|s| !s.is_empty())
        .or_else(|| get("TF_LOG").filter(|s| !s.is_empty()));
    match raw.map(|s| s.to_ascii_lowercase()).as_deref() {
        None => LevelFilter::WARN,
        Some("off") => LevelFilter::OFF,
        Some("error") => LevelFilter::ERROR,
        Some("warn") => LevelFilter::WARN,
        Some("info") => LevelFilter::INFO,
        Some("debug") => LevelFilter::DEBUG,
        // "trace", "json", "1" and anything else Terraform accepts mean everything.
        Some(_) => LevelFilter::TRACE,
    }
}

/// Installs the hclog JSON layer on stderr as the global subscriber: this crate's events at
/// `level`, the libraries' (h2, hyper, rustls...) at most at warnings, so a trace log shows
/// what the provider did rather than every HTTP/2 frame.
pub fn init(level: LevelFilter) {
    let stderr = || Box::new(std::io::stderr()) as Box<dyn Write>;
    let filter = Targets::new()
        .with_default(level.min(LevelFilter::WARN))
        .with_target("tfqualys", level)
        .with_target("terraform_provider_qualys", level);
    let subscriber =
        tracing_subscriber::registry().with(HclogLayer::new(stderr).with_filter(filter));
    // A second init (tests) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

pub struct HclogLayer<W> {
    make_writer: W,
}

impl<W> HclogLayer<W> {
    pub fn new(make_writer: W) -> Self {
        HclogLayer { make_writer }
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

pub fn timestamp(now: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    now.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

struct JsonFields(serde_json::Map<String, serde_json::Value>);

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            json_key(field),
            serde_json::Value::String(format!("{value:?}")),
        );
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(
            json_key(field),
            serde_json::Value::String(value.to_string()),
        );
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(json_key(field), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(json_key(field), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(json_key(field), value.into());
    }
}

fn json_key(field: &Field) -> String {
    if field.name() == "message" {
        "@message".to_string()
    } else {
        field.name().to_string()
    }
}

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber,
    W: Fn() -> Box<dyn Write> + Send + Sync + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = JsonFields(serde_json::Map::new());
        fields
            .0
            .insert("@level".into(), level_name(event.metadata().level()).into());
        fields.0.insert(
            "@timestamp".into(),
            timestamp(OffsetDateTime::now_utc()).into(),
        );
        fields.0.insert(
            "@module".into(),
            format!("provider.{}", event.metadata().target().replace("::", ".")).into(),
        );
        event.record(&mut fields);
        fields.0.entry("@message").or_insert_with(|| "".into());
        let mut line = serde_json::Value::Object(fields.0).to_string();
        line.push('\n');
        // One write per line, so lines from concurrent tasks do not interleave.
        let _ = (self.make_writer)().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn level_follows_terraform_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(level_from_env(env(&[])), LevelFilter::WARN);
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "DEBUG")])),
            LevelFilter::DEBUG
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "json")])),
            LevelFilter::TRACE
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "error")])),
            LevelFilter::ERROR
        );
    }

    #[test]
    fn timestamp_has_go_layout() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_795_240_537_969_066_123).unwrap();
        assert_eq!(timestamp(t), "2026-11-21T05:55:37.969066Z");
    }

    #[test]
    fn events_become_hclog_json_lines() {
        let buf: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = buf.clone();
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let layer = HclogLayer::new(move || Box::new(Sink(sink.clone())) as Box<dyn Write>);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(connector_id = 42, "created connector");
        });
        let out = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(line["@level"], "info");
        assert_eq!(line["@message"], "created connector");
        assert_eq!(line["connector_id"], 42);
        assert!(line["@timestamp"].as_str().unwrap().ends_with('Z'));
    }
}

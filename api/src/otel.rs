//! Optional OpenTelemetry export. When `otlp_endpoint` is set, every tracing
//! span — the `http` request with its id, the GraphQL `operation`, each
//! domain use case, the bridge's commands — is also sent to that collector
//! over OTLP/HTTP (protobuf, `…/v1/traces`), as service `muster`. Nothing
//! is sent when it is unset.
//!
//! The SDK's batch processor exports from a thread of its own, outside the
//! tokio runtime; its HTTP client ([`RuntimeHttp`]) runs each request on
//! the server's runtime with the reqwest client the workspace already has,
//! rather than a second, blocking HTTP stack. Spans are flushed when the
//! returned [`Otel`] is dropped (at the end of `main`).

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::registry::LookupSpan;

/// Why the exporter could not start.
#[derive(Debug, thiserror::Error)]
pub enum OtelError {
    #[error(
        "setting `otlp_endpoint` must be an http(s) URL such as http://collector:4318, not '{0}'"
    )]
    Endpoint(String),
    #[error("could not start the OpenTelemetry exporter: {0}")]
    Build(String),
    #[error("the OpenTelemetry exporter needs the tokio runtime")]
    NoRuntime,
}

/// Keeps the exporter running; flushes what is left when dropped.
pub struct Otel {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Otel {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take()
            && let Err(e) = p.shutdown()
        {
            eprintln!("could not flush the last spans to the OpenTelemetry collector: {e}");
        }
    }
}

/// Where spans go for `endpoint` (a collector's base URL, or the full
/// `/v1/traces` URL).
///
/// # Errors
/// When it is not an http(s) URL.
pub fn traces_url(endpoint: &str) -> Result<String, OtelError> {
    let e = endpoint.trim().trim_end_matches('/');
    if !(e.starts_with("http://") || e.starts_with("https://")) {
        return Err(OtelError::Endpoint(endpoint.to_owned()));
    }
    Ok(if e.ends_with("/v1/traces") {
        e.to_owned()
    } else {
        format!("{e}/v1/traces")
    })
}

/// The tracing layer that exports spans to `endpoint`, and its guard.
/// Call from inside the tokio runtime.
///
/// # Errors
/// See [`OtelError`].
pub fn layer<S>(endpoint: &str) -> Result<(impl tracing_subscriber::Layer<S>, Otel), OtelError>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let url = traces_url(endpoint)?;
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| OtelError::NoRuntime)?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(RuntimeHttp {
            client: reqwest::Client::new(),
            runtime,
        })
        .with_endpoint(url)
        .build()
        .map_err(|e| OtelError::Build(e.to_string()))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name("muster").build())
        .build();
    let tracer = provider.tracer("muster");
    Ok((
        tracing_opentelemetry::layer().with_tracer(tracer),
        Otel {
            provider: Some(provider),
        },
    ))
}

/// Sends the exporter's requests on the server's runtime (see the module
/// docs).
#[derive(Debug)]
struct RuntimeHttp {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for RuntimeHttp {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        self.runtime
            .spawn(async move { client.send_bytes(request).await })
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traces_url_is_the_collectors_with_the_signal_path() {
        assert_eq!(
            traces_url("http://collector:4318").unwrap(),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(
            traces_url("https://c.example/v1/traces/").unwrap(),
            "https://c.example/v1/traces"
        );
        assert!(traces_url("collector:4318").is_err());
    }
}

//! Prometheus metrics: per-route request counts and latencies here, per-phase indexing
//! timings from the indexer, database pool gauges sampled at scrape time.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// A sampled gauge: the closure runs at every scrape.
type Sampler = Box<dyn Fn() -> Vec<(&'static str, i64)> + Send + Sync>;

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    sampled: Family<Vec<(String, String)>, Gauge>,
    samplers: Mutex<Vec<Sampler>>,
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("scry");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 20))
        });
        let sampled = Family::<Vec<(String, String)>, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "state",
            "Sampled state: database pool size and idle connections",
            sampled.clone(),
        );
        Arc::new(Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            sampled,
            samplers: Mutex::new(Vec::new()),
        })
    }

    /// Lets another crate register its own metrics under the `scry_` prefix.
    pub fn register(&self, register: impl FnOnce(&mut Registry)) {
        if let Ok(mut registry) = self.registry.lock() {
            register(&mut registry);
        }
    }

    /// Adds gauges read at every scrape (`name` becomes the `what` label).
    pub fn sample(&self, sampler: impl Fn() -> Vec<(&'static str, i64)> + Send + Sync + 'static) {
        if let Ok(mut samplers) = self.samplers.lock() {
            samplers.push(Box::new(sampler));
        }
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        if let Ok(samplers) = self.samplers.lock() {
            for sampler in samplers.iter() {
                for (what, value) in sampler() {
                    self.sampled
                        .get_or_create(&vec![("what".to_string(), what.to_string())])
                        .set(value);
                }
            }
        }
        let mut text = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        }
        text
    }
}

/// Counts and times every request by its route pattern (not its path, which would put
/// every digest in a label).
pub fn instrument(router: Router, metrics: Arc<Metrics>) -> Router {
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let metrics = metrics.clone();
        async move {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map(|path| path.as_str().to_string())
                .unwrap_or_else(|| "unmatched".into());
            let method = request.method().to_string();
            let started = Instant::now();
            let response = next.run(request).await;
            let labels = RouteLabels {
                method: method.clone(),
                route: route.clone(),
            };
            metrics
                .latency
                .get_or_create(&labels)
                .observe(started.elapsed().as_secs_f64());
            let status = response.status().as_u16();
            metrics
                .requests
                .get_or_create(&RequestLabels {
                    method,
                    route,
                    status,
                })
                .inc();
            response
        }
    }))
}

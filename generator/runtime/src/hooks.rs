//! Hooks called around every HTTP attempt (first attempts and retries alike).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

/// A hook called with the request just before each attempt is sent; it may change it (add a
/// header, for instance).
pub type RequestHook = Arc<dyn Fn(&mut reqwest::Request) + Send + Sync + 'static>;

/// A hook called after each attempt with what happened.
pub type ResponseHook = Arc<dyn Fn(&ResponseInfo) + Send + Sync + 'static>;

/// What a response hook is told about an attempt.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ResponseInfo {
    /// Name of the operation, e.g. `create_item`.
    pub operation: &'static str,
    /// Path template of the operation, e.g. `/items/{id}`.
    pub path: &'static str,
    /// 1-based number of the attempt.
    pub attempt: u32,
    /// Status of the response, if one arrived.
    pub status: Option<StatusCode>,
    /// Time from sending the request to the end of the attempt (body read included).
    pub elapsed: Duration,
    /// The transport error, as text, if the attempt failed without a complete response.
    pub error: Option<String>,
}

impl ResponseInfo {
    /// Name of the operation.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// 1-based number of the attempt.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Status of the response, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// Duration of the attempt.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The transport error, as text, if there was one.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// The registered hooks, run in order of registration.
#[derive(Clone, Default)]
pub struct Hooks {
    on_request: Vec<RequestHook>,
    on_response: Vec<ResponseHook>,
}

impl Hooks {
    /// No hooks.
    pub fn new() -> Self {
        Hooks::default()
    }

    /// Adds a request hook after those already registered.
    pub fn add_request_hook<F>(&mut self, hook: F)
    where
        F: Fn(&mut reqwest::Request) + Send + Sync + 'static,
    {
        self.on_request.push(Arc::new(hook));
    }

    /// Adds a response hook after those already registered.
    pub fn add_response_hook<F>(&mut self, hook: F)
    where
        F: Fn(&ResponseInfo) + Send + Sync + 'static,
    {
        self.on_response.push(Arc::new(hook));
    }

    /// Whether any response hook is registered.
    pub fn has_response_hooks(&self) -> bool {
        !self.on_response.is_empty()
    }

    /// Runs the request hooks in order.
    pub fn run_request(&self, request: &mut reqwest::Request) {
        for hook in &self.on_request {
            hook(request);
        }
    }

    /// Runs the response hooks in order.
    pub fn run_response(&self, info: &ResponseInfo) {
        for hook in &self.on_response {
            hook(info);
        }
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("on_request", &self.on_request.len())
            .field("on_response", &self.on_response.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn hooks_run_in_registration_order() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut hooks = Hooks::new();
        for n in 0..3 {
            let log1 = log.clone();
            hooks.add_request_hook(move |req: &mut reqwest::Request| {
                req.headers_mut().insert("x-hook", n.to_string().parse().unwrap());
                log1.lock().unwrap().push(format!("req{n}"));
            });
            let log2 = log.clone();
            hooks.add_response_hook(move |info: &ResponseInfo| {
                log2.lock().unwrap().push(format!("resp{n}:{}:{:?}", info.attempt(), info.status()));
            });
        }
        let mut req = reqwest::Request::new(reqwest::Method::GET, "http://127.0.0.1/".parse().unwrap());
        hooks.run_request(&mut req);
        assert_eq!(req.headers()["x-hook"], "2");
        hooks.run_response(&ResponseInfo {
            operation: "op",
            path: "/x",
            attempt: 2,
            status: Some(StatusCode::OK),
            elapsed: Duration::from_millis(3),
            error: None,
        });
        assert_eq!(
            *log.lock().unwrap(),
            ["req0", "req1", "req2", "resp0:2:Some(200)", "resp1:2:Some(200)", "resp2:2:Some(200)"]
        );
        assert_eq!(format!("{hooks:?}"), "Hooks { on_request: 3, on_response: 3 }");
    }
}

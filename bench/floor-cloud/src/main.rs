//! The object-store floor: the small-object workloads (1,000 puts or gets of 4 KiB, 16 in flight)
//! done straight with `object_store` on tokio, no JavaScript and none of Stowage's checks. What
//! it takes against a server is about what that server needs for the requests alone, so it shows
//! how far any client can get past the official SDK there. Same keys and contents as
//! bench/workloads.js; prints one JSON line that `run.js` reads.
//!
//! Usage: stowage-bench-floor-cloud <workload> <key-prefix> [objects=N size=N inflight=N]
//! The store comes from the environment, set by run.js: FLOOR_STORE (`s3`, `azure` or `gcs`),
//! FLOOR_ENDPOINT, FLOOR_BUCKET (the container on Azure), FLOOR_REGION (S3), FLOOR_KEY_ID and
//! FLOOR_SECRET (the account and its key on Azure; unused on GCS, whose emulator is used
//! anonymously, as Stowage and @google-cloud/storage use it in the same run).

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::{GcpCredential, GoogleCloudStorageBuilder};
use object_store::path::Path;
use object_store::{
  ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, StaticCredentialProvider,
};

#[path = "../../floor/src/common.rs"]
mod common;
use common::{arg, small_content, small_ok, status_kib};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Key of small object `i` under a prefix (the same as bench/workloads.js `objectKey`).
fn object_key(prefix: &str, i: usize) -> Path {
  Path::from(format!("{prefix}obj-{i:06}.bin"))
}

fn env(name: &str) -> Result<String, Failure> {
  std::env::var(name).map_err(|_| format!("{name} is not set (run.js sets it)").into())
}

fn store() -> Result<Arc<dyn ObjectStore>, Failure> {
  let client = ClientOptions::new().with_allow_http(true);
  let store: Arc<dyn ObjectStore> = match env("FLOOR_STORE")?.as_str() {
    "s3" => Arc::new(
      AmazonS3Builder::new()
        .with_endpoint(env("FLOOR_ENDPOINT")?)
        .with_virtual_hosted_style_request(false)
        .with_bucket_name(env("FLOOR_BUCKET")?)
        .with_region(env("FLOOR_REGION")?)
        .with_access_key_id(env("FLOOR_KEY_ID")?)
        .with_secret_access_key(env("FLOOR_SECRET")?)
        .with_client_options(client)
        .build()?,
    ),
    "azure" => Arc::new(
      MicrosoftAzureBuilder::new()
        .with_endpoint(env("FLOOR_ENDPOINT")?)
        .with_container_name(env("FLOOR_BUCKET")?)
        .with_account(env("FLOOR_KEY_ID")?)
        .with_access_key(env("FLOOR_SECRET")?)
        .with_client_options(client)
        .build()?,
    ),
    // An emulator checks no credentials: an empty bearer token, as Stowage sends it there.
    "gcs" => Arc::new(
      GoogleCloudStorageBuilder::new()
        .with_base_url(&env("FLOOR_ENDPOINT")?)
        .with_bucket_name(env("FLOOR_BUCKET")?)
        .with_credentials(Arc::new(StaticCredentialProvider::new(GcpCredential {
          bearer: String::new(),
        })))
        .with_client_options(client)
        .build()?,
    ),
    other => return Err(format!("FLOOR_STORE: no store \"{other}\" (s3, azure or gcs)").into()),
  };
  Ok(store)
}

/// This process's CPU time so far (user + system, ms), from /proc (10 ms ticks).
fn cpu_ms() -> f64 {
  let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
  let fields: Vec<&str> = stat.rsplit(") ").next().unwrap_or("").split(' ').collect();
  let ticks = |k: usize| {
    fields
      .get(k)
      .and_then(|v| v.parse::<f64>().ok())
      .unwrap_or(0.0)
  };
  (ticks(11) + ticks(12)) * 10.0
}

struct Outcome {
  bytes: usize,
  check: String,
}

async fn run(
  workload: &str,
  store: Arc<dyn ObjectStore>,
  prefix: &str,
  contents: Vec<Bytes>,
  objects: usize,
  size: usize,
  in_flight: usize,
) -> Result<Outcome, Failure> {
  if workload.ends_with("_put_small") {
    futures::stream::iter(contents.into_iter().enumerate())
      .map(|(i, data)| {
        let store = Arc::clone(&store);
        async move {
          store
            .put(&object_key(prefix, i), PutPayload::from(data))
            .await
        }
      })
      .buffer_unordered(in_flight)
      .try_collect::<Vec<_>>()
      .await?;
    Ok(Outcome {
      bytes: objects * size,
      check: format!("put {objects}"),
    })
  } else if workload.ends_with("_get_small") {
    let sizes: Vec<usize> = futures::stream::iter(0..objects)
      .map(|i| {
        let store = Arc::clone(&store);
        async move {
          let buf = store.get(&object_key(prefix, i)).await?.bytes().await?;
          if !small_ok(i, size, &buf) {
            return Err(format!("object {i} has the wrong content").into());
          }
          Ok::<usize, Failure>(buf.len())
        }
      })
      .buffer_unordered(in_flight)
      .try_collect()
      .await?;
    let bytes = sizes.iter().sum();
    Ok(Outcome {
      bytes,
      check: format!("got {objects} objects, {bytes} bytes"),
    })
  } else {
    Err(
      format!("the object-store floor has no workload {workload} (only *_put_small, *_get_small)")
        .into(),
    )
  }
}

#[tokio::main]
async fn main() {
  let args: Vec<String> = std::env::args().collect();
  if args.len() < 3 {
    eprintln!(
      "usage: stowage-bench-floor-cloud <workload> <key-prefix> [objects=N size=N inflight=N]"
    );
    std::process::exit(2);
  }
  let (workload, prefix) = (args[1].as_str(), args[2].as_str());
  let objects = arg(&args, "objects", 1000);
  let size = arg(&args, "size", 4096);
  let in_flight = arg(&args, "inflight", 16);
  let store = match store() {
    Ok(s) => s,
    Err(e) => {
      eprintln!("floor-cloud: {e}");
      std::process::exit(2);
    }
  };
  // What the puts send is made before the clock starts, as in the Node runs.
  let contents: Vec<Bytes> = if workload.ends_with("_put_small") {
    (0..objects)
      .map(|i| Bytes::from(small_content(i, size)))
      .collect()
  } else {
    Vec::new()
  };
  // Warm, as child.js warms the Node runs: 16 puts and gets of 4 KiB in flight on a scratch key.
  let key = match workload.starts_with("s3s_") {
    true => Path::from("warm-up.floor-object-store.bin"),
    false => Path::from("warm-up/floor-object-store.bin"),
  };
  let warm = futures::future::try_join_all((0..16).map(|_| {
    let (store, key) = (store.clone(), key.clone());
    async move {
      store.put(&key, PutPayload::from(vec![7u8; 4096])).await?;
      store.get(&key).await?.bytes().await
    }
  }));
  if let Err(e) = warm.await {
    eprintln!("floor-cloud: warm-up: {e}");
    std::process::exit(1);
  }
  let _ = std::fs::write("/proc/self/clear_refs", "5"); // the peak counts from here, as in child.js
  let start_rss = status_kib("VmRSS:");
  let cpu_start = cpu_ms();
  let start = Instant::now();
  let result = run(workload, store, prefix, contents, objects, size, in_flight).await;
  let ms = start.elapsed().as_secs_f64() * 1e3;
  let cpu = cpu_ms() - cpu_start;
  let peak = status_kib("VmHWM:");
  match result {
    Ok(o) => println!(
      "{{\"ms\":{ms:.3},\"cpuMs\":{cpu:.0},\"ops\":{objects},\"bytes\":{},\"check\":\"{}\",\"peakRssKiB\":{peak},\"startRssKiB\":{start_rss}}}",
      o.bytes, o.check
    ),
    Err(e) => {
      eprintln!("floor-cloud {workload}: {e}");
      std::process::exit(1);
    }
  }
}

// Each AppHost is DCP, two dashboards, four services, PostgreSQL and Prometheus on a two-core machine: classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
// The AppHost runs PostgreSQL through setpriv and reads /proc: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

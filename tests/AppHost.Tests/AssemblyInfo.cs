// Each AppHost is eight processes and a database cluster on a two-core machine: classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

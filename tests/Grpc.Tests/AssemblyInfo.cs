// Tests run one at a time: the telemetry tests listen process-wide, and two cores gain little from parallel servers.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

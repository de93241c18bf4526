// One test, and a heavy one (a build and a whole suite): nothing to gain from parallel runs.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// One test at a time: each class runs a real templateservice process, and two cores gain little from running them side by side.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

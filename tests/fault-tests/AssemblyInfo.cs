// Every scenario starts a whole system (four .NET processes and redis-server) and breaks it on
// purpose; on a 2-core machine two at once starve each other. One at a time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

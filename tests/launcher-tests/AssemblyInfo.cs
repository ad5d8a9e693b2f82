// LocalStackTests starts whole stacks (four .NET processes plus redis-server); on a 2-core machine
// two at once starve each other into timeouts. Classes run one after another.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

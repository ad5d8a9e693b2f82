// Every stack is four .NET processes plus redis-server; on a 2-core machine two stacks at once
// starve each other into timeouts. Classes (and their stacks) run one after another.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

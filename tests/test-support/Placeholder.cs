namespace TestSupport;
internal static class Placeholder;

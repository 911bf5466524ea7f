using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PostPurchase.Tests.Reliability;

/// <summary>
/// Every log line the app writes, as the text an operator's log store would keep: category, formatted message,
/// every structured value and the exception. The reliability suite searches it for buyers' personal data.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyCollection<string> Lines => this.lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this.lines);

    /// <summary>The lines that contain <paramref name="text"/> (case-insensitive), for an assertion message.</summary>
    public IReadOnlyList<string> Containing(string text) =>
        [.. this.lines.Where(l => l.Contains(text, StringComparison.OrdinalIgnoreCase))];

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope: {Flatten(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {Flatten(state)} | {exception}");
        }

        private static string Flatten<TState>(TState state) => state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}"))
            : state?.ToString() ?? "";
    }
}

using System.Globalization;
using System.Text;

namespace PostPurchase.Bench;

/// <summary>Percentiles by nearest rank over a set of durations in milliseconds.</summary>
internal sealed class Stats(IEnumerable<double> values)
{
    private readonly double[] sorted = [.. values.Order()];

    public int Count => this.sorted.Length;

    public double P(double percentile) => this.sorted.Length == 0 ? double.NaN
        : this.sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * this.sorted.Length) - 1, 0, this.sorted.Length - 1)];

    public double Median => this.P(50);

    public double Max => this.sorted.Length == 0 ? double.NaN : this.sorted[^1];
}

/// <summary>The results table: one row per measurement, printed as Markdown so BENCHMARKS.md can take it as is.</summary>
internal static class Report
{
    private static readonly List<string[]> Rows = [];

    public static void Add(params string[] cells)
    {
        Rows.Add(cells);
        Console.WriteLine("  → " + string.Join(" | ", cells));
    }

    public static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString(value < 10 ? "0.00" : "0", CultureInfo.InvariantCulture) + " ms";

    public static string N(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Table()
    {
        StringBuilder table = new();
        table.AppendLine("| benchmark | measured | result | p50 | p99 | max | target | verdict |");
        table.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (string[] row in Rows)
        {
            table.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        return table.ToString();
    }
}

using System.Security.Cryptography;
using System.Text;

namespace PostPurchase.Bench;

/// <summary>Distinct signed Stripe Checkout deliveries made from the bundled KRW sample (only the ids change).</summary>
internal sealed class Payments
{
    public const string Secret = "whsec_bench_0000000000000000000000000000";
    private const string SamplePi = "pi_3R2kAaExampleKRW0001";
    private const string SampleEvent = "evt_1R2kAaExampleKRW0001";
    private readonly string template;
    private readonly byte[] key = Encoding.UTF8.GetBytes(Secret);

    public Payments(string repoRoot)
    {
        this.template = File.ReadAllText(Path.Combine(repoRoot, "Functions.Tests", "Fixtures", "samples", "stripe-checkout.session.completed-krw.json"));
    }

    /// <summary>A new payment: its body, its Stripe-Signature header (signed now) and its journey's instance id.</summary>
    public (byte[] Body, string Signature, string InstanceId) Next(string run, int n)
    {
        string pi = $"pi_{run}{n:D6}";
        // A launch sells to many buyers: each payment has its own e-mail (one buyer's CRM row is not the bottleneck measured).
        byte[] body = Encoding.UTF8.GetBytes(this.template
            .Replace(SamplePi, pi, StringComparison.Ordinal)
            .Replace(SampleEvent, $"evt_{run}{n:D6}", StringComparison.Ordinal)
            .Replace("minji.kim@example.com", $"buyer.{run}.{n}@example.com", StringComparison.Ordinal));
        long t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        byte[] mac = HMACSHA256.HashData(this.key, (byte[])[.. Encoding.UTF8.GetBytes($"{t}."), .. body]);
        return (body, $"t={t},v1={Convert.ToHexStringLower(mac)}", "stripe-" + pi);
    }
}

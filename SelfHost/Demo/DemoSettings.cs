namespace PostPurchase.SelfHost.Demo;

/// <summary>
/// What `--demo` changes: a day lasts four seconds, secrets are local demo values, mail and Slack stay on
/// this machine (.demo/), and the task hub is new each run. Anything set on the command line or in the
/// environment still wins over these.
/// </summary>
public static class DemoSettings
{
    public static readonly Dictionary<string, string?> Values = new()
    {
        ["Journey:DayLength"] = "00:00:04",
        // The buyers' clock starts at 13:00 in Seoul, so the send windows (09:00–20:00, offers 08:00–21:00) act the same every run.
        ["Journey:WallClockStart"] = "2025-03-14T13:00:00+09:00",
        ["Stripe:WebhookSecret"] = "whsec_local_demo_secret_not_for_production",
        ["Links:SigningKey"] = "local-demo-link-signing-key-not-for-production-000",
        ["Links:BaseUrl"] = "http://localhost:7071",
        ["SendGrid:FromEmail"] = "hello@shop.example.com",
        ["SendGrid:FromName"] = "노션랩 (Notion Lab)",
        ["SendGrid:OutboxPath"] = ".demo/outbox",
        ["Slack:SinkPath"] = ".demo/slack-alerts.jsonl",
        ["Admin:ApiKey"] = "local-demo-admin-key",
        ["Durable:TaskHub"] = $"demo{DateTime.UtcNow:MMddHHmmss}",
    };
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PostPurchase.Infrastructure;

/// <summary>
/// The product's own metrics and traces (OpenTelemetry: the hosts export them to Application Insights in Azure and
/// to the console locally). Tags never carry personal data: provider, mail kind, outcome, rejection reason.
/// </summary>
public static class Telemetry
{
    public const string Name = "PostPurchase";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> JourneysStarted = Meter.CreateCounter<long>("postpurchase.journeys.started", description: "Journeys started, by provider");
    public static readonly Counter<long> JourneysCompleted = Meter.CreateCounter<long>("postpurchase.journeys.completed", description: "Journeys that reached their end, by outcome");
    public static readonly Counter<long> MailsSent = Meter.CreateCounter<long>("postpurchase.mails.sent", description: "Mails handed to the provider, by kind");
    public static readonly Counter<long> MailsFailed = Meter.CreateCounter<long>("postpurchase.mails.failed", description: "Mails the provider refused for good, by kind");
    public static readonly Counter<long> SlackAlerts = Meter.CreateCounter<long>("postpurchase.slack.alerts", description: "Seller alerts posted (or refused), by outcome");
    public static readonly Counter<long> WebhookRejections = Meter.CreateCounter<long>("postpurchase.webhooks.rejected", description: "Provider requests refused, by provider and reason");
}

using Azure.Identity;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using PostPurchase.Activities;
using PostPurchase.BuyerActions;
using PostPurchase.Crm;
using PostPurchase.Http;
using PostPurchase.Mail;
using PostPurchase.Notifications;
using PostPurchase.Purchases;
using PostPurchase.Webhooks;
using SendGrid;
using Stripe;

namespace PostPurchase.Infrastructure;

public static class ServiceCollectionExtensions
{
    /// <summary>The one place that knows every concrete type; both hosts call it.</summary>
    public static IServiceCollection AddPostPurchase(this IServiceCollection services, IConfiguration configuration)
    {
        // Validated at start, so a missing secret fails start-up with the setting's name, not a webhook later.
        services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SendGridOptions>().BindConfiguration(SendGridOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SlackOptions>().BindConfiguration(SlackOptions.Section);
        services.AddOptions<LinksOptions>().BindConfiguration(LinksOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JourneyOptions>().BindConfiguration(JourneyOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.DayLength > TimeSpan.Zero, "Journey:DayLength must be positive, e.g. 1.00:00:00 (a day) or 00:00:04 for a demo")
            .Validate(o => o.ReviewAfterDays < o.ReminderAfterDays && o.ReminderAfterDays < o.CloseAfterDays,
                "Journey: ReviewAfterDays < ReminderAfterDays < CloseAfterDays is required (default 3 < 7 < 14)")
            .ValidateOnStart();
        // A broken catalog fails start-up with the file and the reason, instead of paid orders failing one by one later.
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidation>();
        // Checked here, not at start: the table client is built while the host is composed, and without this every request would fail later.
        if (string.IsNullOrWhiteSpace(configuration["CrmTables"]) && string.IsNullOrWhiteSpace(configuration["CrmTables:endpoint"]))
        {
            throw new InvalidOperationException(
                "CrmTables is required: UseDevelopmentStorage=true for Azurite, or CrmTables__endpoint (+ __credential, __clientId) in Azure.");
        }
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.AddOptions<CrmOptions>().BindConfiguration(CrmOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TossOptions>().BindConfiguration(TossOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PayPalOptions>().BindConfiguration(PayPalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InboundMailOptions>().BindConfiguration(InboundMailOptions.Section);

        // "CrmTables" = "UseDevelopmentStorage=true" locally, or { endpoint, credential, clientId } in Azure.
        services.AddAzureClients(clients =>
        {
            clients.AddTableServiceClient(configuration.GetSection("CrmTables"));
            clients.UseCredential(new DefaultAzureCredential());
        });

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => CatalogLoader.Load(sp.GetRequiredService<IOptions<CatalogOptions>>().Value.Path));
        services.AddSingleton(sp => new CustomerRepository(
            sp.GetRequiredService<Azure.Data.Tables.TableServiceClient>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<CrmOptions>>().Value.TablePrefix));
        services.AddSingleton<LinkSigner>();

        // Outbound HTTP. No automatic retry of POSTs: a repeated POST can repeat a mail or a Slack post;
        // the journey's durable retry policy handles transient failures instead.
        services.AddHttpClient<SlackNotifier>().AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
        // Stripe.net retries its own GETs once; Stripe redelivers the webhook for three days on a 5xx.
        services.AddHttpClient("stripe", http => http.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);   // a singleton keeps this HttpClient; the pool recycles connections
        services.AddSingleton<IStripeClient>(sp => StripeWebhookHandler.CreateStripeClient(
            sp.GetRequiredService<IOptions<StripeOptions>>().Value,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient("stripe")));

        // Mail: SendGrid when a key is set, otherwise .eml files in the outbox so nothing leaves the machine.
        services.AddSingleton<IProductFiles>(sp => new CatalogProductFiles(sp.GetRequiredService<Catalog>()));
        services.AddSingleton(sp => new MailComposer(sp.GetRequiredService<IProductFiles>())
        {
            MaxAttachmentBytes = sp.GetRequiredService<IOptions<SendGridOptions>>().Value.MaxAttachmentBytes,
        });
        if (string.IsNullOrWhiteSpace(configuration[$"{SendGridOptions.Section}:ApiKey"]))
        {
            services.AddSingleton<IMailSender, OutboxMailSender>();
        }
        else
        {
            services.AddHttpClient<ISendGridClient, SendGridClient>((http, sp) =>
                {
                    SendGridOptions o = sp.GetRequiredService<IOptions<SendGridOptions>>().Value;
                    return new SendGridClient(http, new SendGridClientOptions { ApiKey = o.ApiKey, Host = o.Host });
                })
                .AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
            services.AddTransient<IMailSender, SendGridMailSender>();   // the typed ISendGridClient is transient
        }

        services.AddSingleton<StripeWebhookHandler>();
        // Toss and PayPal look-ups: no in-request retries, the providers redeliver the webhook when the door answers 5xx.
        services.AddHttpClient(TossWebhookHandler.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(15));
        services.AddHttpClient(PayPalWebhookHandler.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(15));
        services.AddSingleton<SellerNotices>();
        services.AddSingleton<TossWebhookHandler>();
        services.AddSingleton<PayPalWebhookHandler>();
        services.AddSingleton<ReceiptParser>();
        services.AddSingleton<InboundMailHandler>();
        services.AddSingleton<JourneyStarter>();
        services.AddSingleton<RefundRecorder>();
        services.AddSingleton<PaymentDoors>();
        services.AddSingleton<BuyerDoors>();
        services.AddSingleton<SendGridEventWebhook>();
        services.AddTransient<EngagementRecorder>();   // holds the seller alerter (typed HTTP clients)
        services.AddTransient<EngagementDoors>();
        services.AddTransient<SellerAlerter>();
        services.AddTransient<AdminDoors>();
        services.AddOptions<ReconciliationOptions>().BindConfiguration(ReconciliationOptions.Section);
        services.AddSingleton<PaymentReconciler>();   // holds the mailer, which holds typed HTTP clients

        // Transient: they hold typed HTTP clients (SendGrid, Slack), which must not be captured for the app's lifetime.
        services.AddTransient<JourneyMailer>();
        services.AddTransient<RecordPurchase>();
        services.AddTransient<SendWelcomeEmail>();
        services.AddTransient<SendReviewRequest>();
        services.AddTransient<SendReminder>();
        services.AddTransient<SendNextProductOffer>();
        services.AddTransient<HasOpenedContent>();
        services.AddTransient<RecordSurveyReply>();
        services.AddTransient<PostSlackAlert>();
        services.AddTransient<CloseJourney>();
        services.AddTransient<ReadEngagement>();
        services.AddTransient<SettleSurveyReply>();
        return services;
    }
}

namespace PostPurchase.Bench;

/// <summary>The comparison endpoint: bare Kestrel that reads the POSTed body and answers 200, in its own process like SelfHost.</summary>
internal static class RawServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{args[0]}");
        WebApplication app = builder.Build();
        byte[] ok = "{\"status\":\"accepted\",\"reason\":null}"u8.ToArray();
        app.MapPost("/api/webhooks/stripe", async (HttpContext context) =>
        {
            // Read the whole body, as the real door must before it can verify a signature.
            byte[] buffer = new byte[16 * 1024];
            while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0)
            {
            }

            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(ok, context.RequestAborted);
        });
        await app.RunAsync();
        return 0;
    }
}

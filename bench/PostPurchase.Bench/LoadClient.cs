using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace PostPurchase.Bench;

/// <summary>A closed-loop load client: N requests in flight over keep-alive HTTP/1.1 connections, each worker sending the next as soon as one returns.</summary>
internal sealed class LoadClient : IDisposable
{
    private readonly HttpClient http;

    public LoadClient(Uri baseAddress, int inFlight)
    {
        this.http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = inFlight,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        })
        { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(120) };
    }

    public async Task<(bool Ok, long SentTimestamp, double LatencyMs)> PostPaymentAsync(byte[] body, string signature, CancellationToken ct)
    {
        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpRequestMessage request = new(HttpMethod.Post, "/api/webhooks/stripe") { Content = content };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        long sent = Stopwatch.GetTimestamp();
        using HttpResponseMessage response = await this.http.SendAsync(request, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        return (response.StatusCode == HttpStatusCode.OK, sent, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
    }

    /// <summary>Sends <paramref name="make"/>(n) for n = 0, 1, … with <paramref name="inFlight"/> at once, for a warm-up and then a measured window.</summary>
    public async Task<(int Completed, int Failed, double Seconds, Stats Latency)> RunForAsync(
        Func<int, (byte[] Body, string Signature)> make, int inFlight, TimeSpan warmUp, TimeSpan measure)
    {
        int next = 0;
        int completed = 0;
        int failed = 0;
        ConcurrentBag<double> latencies = [];
        long start = Stopwatch.GetTimestamp();
        long measureFrom = start + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        long measureTo = measureFrom + (long)(measure.TotalSeconds * Stopwatch.Frequency);

        async Task Worker()
        {
            while (Stopwatch.GetTimestamp() < measureTo)
            {
                (byte[] body, string signature) = make(Interlocked.Increment(ref next) - 1);
                (bool ok, long sent, double ms) = await this.PostPaymentAsync(body, signature, CancellationToken.None);
                long done = Stopwatch.GetTimestamp();
                if (sent >= measureFrom && done <= measureTo)
                {
                    if (ok)
                    {
                        Interlocked.Increment(ref completed);
                        latencies.Add(ms);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(Worker)));
        return (completed, failed, measure.TotalSeconds, new Stats(latencies));
    }

    public void Dispose() => this.http.Dispose();
}

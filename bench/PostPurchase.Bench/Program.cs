using System.Text;
using PostPurchase.Bench;

Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

// bench/run.sh runs "load" and "micro"; "raw-server" is the comparison endpoint, started by "load" as a child process.
string mode = args.Length > 0 ? args[0] : "load";
string[] rest = args.Skip(1).ToArray();
return mode switch
{
    "raw-server" => await RawServer.RunAsync(rest),
    "micro" => Micro.Run(rest),
    "load" => await LoadRun.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: PostPurchase.Bench load [--only ingest,burst,sleepers] [--burst N] [--sleepers N] [--sleeper-day-seconds S] | micro | raw-server <port>");
    return 2;
}

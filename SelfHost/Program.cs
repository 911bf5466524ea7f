using System.Text;
using PostPurchase.SelfHost;

Encoding.RegisterProvider(CodePagesEncodingProvider.Instance); // ks_c_5601-1987 / EUC-KR receipts

bool demo = args.Contains("--demo");
WebApplication app = SelfHostApp.Build(args.Where(a => a != "--demo").ToArray(), demo);
app.Run();

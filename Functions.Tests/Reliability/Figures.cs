namespace PostPurchase.Tests.Reliability;

/// <summary>Each reliability test prints its figure: how many cases it tried and how many held.</summary>
internal static class Figures
{
    public static void Report(string what, int tried, int held)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"{what}: {tried} tried, {held} held");
        Assert.True(tried == held, $"{what}: {tried} tried, only {held} held");
    }
}

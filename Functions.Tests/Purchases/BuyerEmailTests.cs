using PostPurchase.Purchases;

namespace PostPurchase.Tests.Purchases;

public sealed class BuyerEmailTests
{
    [Theory]
    [InlineData("minji.kim@example.com")]
    [InlineData("alex+shop@mail.example.net")]
    public void A_plain_address_can_receive_mail(string email) => Assert.True(BuyerEmail.IsDeliverable(email));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-an-email")]
    [InlineData("a@localhost")]
    [InlineData("a@example.com, b@example.com")]
    [InlineData("a@example.com\r\nBcc: victim@example.com")]
    [InlineData("Minji <minji@example.com>")]
    [InlineData("a@example.")]
    public void A_missing_or_malformed_address_is_treated_as_no_address(string? email) => Assert.False(BuyerEmail.IsDeliverable(email));
}

public sealed class MoneyTests
{
    [Theory]
    [InlineData(39000, "krw", "ko", "39,000원")]
    [InlineData(39000, "KRW", "en", "₩39,000")]
    [InlineData(2900, "usd", "en", "$29.00")]
    [InlineData(3900, "jpy", "en", "¥3,900")]
    [InlineData(12345, "bhd", "en", "12.345 BHD")]
    public void Amounts_show_in_the_currency_s_own_minor_unit(long minor, string currency, string locale, string shown) =>
        Assert.Equal(shown, Money.Of(minor, currency).Format(locale));
}

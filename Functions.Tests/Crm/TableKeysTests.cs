using Azure.Data.Tables;
using PostPurchase.Crm;
using PostPurchase.Tests.Fixtures;

namespace PostPurchase.Tests.Crm;

/// <summary>
/// Azure's key rules are pinned here (Azurite accepts keys that Azure refuses, so the emulator cannot be
/// the judge): no / \ # ? or U+0000–U+001F, U+007F–U+009F, and at most 1 KiB (512 UTF-16 characters).
/// </summary>
public sealed class TableKeysTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Awkward =
    [
        "a/b",
        "back\\slash",
        "#A-1001",
        "why?",
        "tab\there",
        "line\r\nbreak",
        "\u0000nul",
        "del\u007F",
        "c1\u0080\u009F",
        "100%",
        "%25 already escaped",
        "!21 looks escaped",
        "it's",
        "김민지/주문#1?",
        "emoji 🎁",
        "",
    ];

    public static TheoryData<string> AwkwardValues() => new(Awkward);

    [Theory]
    [MemberData(nameof(AwkwardValues))]
    public void Encoded_key_obeys_Azure_rules_and_decodes_back(string value)
    {
        string key = TableKeys.Encode(value);

        Assert.True(TableKeys.IsValidKey(key));
        Assert.DoesNotContain('%', key);    // '%' breaks some Azure Table APIs and Azurite deletes
        Assert.DoesNotContain('\'', key);   // OData literal delimiter
        Assert.Equal(value, TableKeys.Decode(key));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("#A-1001")]
    [InlineData("a?b")]
    [InlineData("a\u0000b")]
    [InlineData("a\u001Fb")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0085b")]
    [InlineData("a\u009Fb")]
    public void Azure_refuses_keys_with_these_characters(string raw)
    {
        Assert.False(TableKeys.IsValidKey(raw));
    }

    [Theory]
    [InlineData("order-stripe-cs_test_a1b2c3")]
    [InlineData("minji.kim@example.com")]
    [InlineData("step|SendWelcomeEmail")]
    [InlineData("김민지 (한국어) ~ * . - _ : | é")]
    public void Safe_values_are_left_unchanged(string value)
    {
        Assert.True(TableKeys.IsValidKey(value));
        Assert.Equal(value, TableKeys.Encode(value));
    }

    [Fact]
    public void Keys_over_one_kibibyte_are_refused_rather_than_cut()
    {
        Assert.True(TableKeys.IsValidKey(new string('a', 512)));
        Assert.False(TableKeys.IsValidKey(new string('a', 513)));
        Assert.Equal(512, TableKeys.Encode(new string('가', 512)).Length);

        // 200 slashes encode to 600 characters: too long even though the raw value was short.
        Assert.Throws<ArgumentException>(() => TableKeys.Encode(new string('/', 200)));
    }

    [Theory]
    [InlineData("!")]
    [InlineData("abc!2")]
    [InlineData("!zz")]
    public void Malformed_escapes_do_not_decode_silently(string key)
    {
        Assert.Throws<FormatException>(() => TableKeys.Decode(key));
    }

    [Fact]
    public async Task Encoded_awkward_keys_are_stored_found_and_deleted_by_the_table()
    {
        TableClient table = azurite.CreateTableServiceClient().GetTableClient("KeyProbe");
        await table.CreateIfNotExistsAsync(Ct);
        string partition = TableKeys.Encode($"p/{Guid.NewGuid():N}#?\\");
        string[] values = Awkward;

        foreach (string value in values)
        {
            await table.AddEntityAsync(new TableEntity(partition, TableKeys.Encode(value)) { ["Raw"] = value }, Ct);
        }

        List<string> decoded = [];
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: Ct))
        {
            Assert.Equal(row.GetString("Raw"), TableKeys.Decode(row.RowKey));
            Assert.Equal(TableKeys.Decode(partition), TableKeys.Decode(row.PartitionKey));
            decoded.Add(TableKeys.Decode(row.RowKey));
        }

        Assert.Equal(values.Order(StringComparer.Ordinal), decoded.Order(StringComparer.Ordinal));

        // Point reads and deletes address the entity in the URL, where a stray '%' or quote would go wrong.
        foreach (string value in values)
        {
            string key = TableKeys.Encode(value);
            Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(partition, key, cancellationToken: Ct)).HasValue);
            await table.DeleteEntityAsync(partition, key, cancellationToken: Ct);
            Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(partition, key, cancellationToken: Ct)).HasValue);
        }
    }
}

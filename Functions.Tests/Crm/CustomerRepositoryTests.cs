using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using PostPurchase.Crm;
using PostPurchase.Journey;
using PostPurchase.Tests.Fixtures;

namespace PostPurchase.Tests.Crm;

/// <summary>The CRM against a real Azurite table endpoint; every test uses its own instance ids and e-mails.</summary>
public sealed class CustomerRepositoryTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset SeoulMorning = new(2026, 3, 14, 9, 30, 15, 123, TimeSpan.FromHours(9));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Order_reads_back_with_every_field_and_the_same_paid_instant()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder() with
        {
            OrderReference = "#A-1001",
            BuyerName = "김민지",
            Sku = "ebook-kr-01",
            ProductName = "전자책: 스마트스토어 시작하기",
            Tags = ["provider:stripe", "locale:ko"],
            SurveyScore = 4,
            SurveyComment = "좋아요",
            SurveyRepliedAt = SeoulMorning.AddDays(3),
            ContentOpenedAt = SeoulMorning.AddHours(1),
            RefundedAt = null,
            ReportStatus = "reported",
        };

        await crm.UpsertOrderAsync(order, Ct);
        OrderRecord? read = await crm.GetOrderAsync(order.InstanceId, Ct);

        Assert.NotNull(read);
        Assert.Equal(order.InstanceId, read.InstanceId);
        Assert.Equal("stripe", read.Provider);
        Assert.Equal(order.PaymentId, read.PaymentId);
        Assert.Equal("#A-1001", read.OrderReference);
        Assert.Equal(order.BuyerEmail, read.BuyerEmail);
        Assert.Equal("김민지", read.BuyerName);
        Assert.Equal("ko", read.Locale);
        Assert.Equal("ebook-kr-01", read.Sku);
        Assert.Equal("전자책: 스마트스토어 시작하기", read.ProductName);
        Assert.Equal(12000, read.AmountMinor);
        Assert.Equal("KRW", read.Currency);
        Assert.Equal(SeoulMorning, read.PaidAt);                     // same instant …
        Assert.Equal(TimeSpan.FromHours(9), read.PaidAt.Offset);     // … shown in the buyer's +09:00
        Assert.Equal("checkout", read.Channel);
        Assert.Equal(OrderStatus.Active, read.Status);
        Assert.Equal("reported", read.ReportStatus);
        Assert.Equal(["provider:stripe", "locale:ko"], read.Tags);
        Assert.Equal(4, read.SurveyScore);
        Assert.Equal("좋아요", read.SurveyComment);
        Assert.Equal(SeoulMorning.AddDays(3), read.SurveyRepliedAt);
        Assert.Equal(SeoulMorning.AddHours(1), read.ContentOpenedAt);
        Assert.Null(read.RefundedAt);
    }

    [Fact]
    public async Task Unknown_order_reads_as_null()
    {
        CustomerRepository crm = this.NewRepository();

        Assert.Null(await crm.GetOrderAsync(NewInstanceId(), Ct));
    }

    [Fact]
    public async Task An_instance_is_claimed_once_and_can_be_claimed_again_after_release()
    {
        FakeTimeProvider clock = new(SeoulMorning);
        CustomerRepository crm = this.NewRepository(clock);
        string id = NewInstanceId();

        Assert.Null(await crm.GetClaimTimeAsync(id, Ct));
        Assert.True(await crm.TryClaimAsync(id, Ct));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False(await crm.TryClaimAsync(id, Ct));
        Assert.Equal(SeoulMorning, await crm.GetClaimTimeAsync(id, Ct));   // the first claim's time, not the retry's

        await crm.ReleaseClaimAsync(id, Ct);
        await crm.ReleaseClaimAsync(id, Ct);   // releasing twice is harmless

        Assert.Null(await crm.GetClaimTimeAsync(id, Ct));
        Assert.True(await crm.TryClaimAsync(id, Ct));
    }

    [Fact]
    public async Task Of_ten_concurrent_claims_exactly_one_wins()
    {
        string id = NewInstanceId();

        // Separate repositories stand in for separate hosts receiving the same payment at once.
        bool[] results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => this.NewRepository().TryClaimAsync(id, Ct)));

        Assert.Single(results, won => won);
    }

    [Fact]
    public async Task A_step_marked_twice_is_done_and_appears_once_on_the_timeline()
    {
        FakeTimeProvider clock = new(SeoulMorning);
        CustomerRepository crm = this.NewRepository(clock);
        string id = NewInstanceId();

        Assert.False(await crm.IsStepDoneAsync(id, "SendWelcomeEmail", Ct));
        await crm.MarkStepAsync(id, "SendWelcomeEmail", "sent", "msg-1", Ct);
        clock.Advance(TimeSpan.FromSeconds(30));
        await crm.MarkStepAsync(id, "SendWelcomeEmail", "sent", "msg-2", Ct);   // an activity retry

        Assert.True(await crm.IsStepDoneAsync(id, "SendWelcomeEmail", Ct));
        Assert.False(await crm.IsStepDoneAsync(id, "SendReviewRequest", Ct));
        TimelineEntry entry = Assert.Single(await crm.GetTimelineAsync(id, Ct));
        Assert.Equal(new TimelineEntry("SendWelcomeEmail", SeoulMorning.AddSeconds(30), "sent", "msg-2"), entry);
    }

    [Fact]
    public async Task Timeline_lists_steps_in_the_order_they_happened()
    {
        FakeTimeProvider clock = new(SeoulMorning);
        CustomerRepository crm = this.NewRepository(clock);
        string id = NewInstanceId();
        string[] steps = ["RecordPurchase", "SendWelcomeEmail", "SendReviewRequest", "PostSlackAlert:low-score/#1?", "CloseJourney"];
        foreach (string step in steps)
        {
            await crm.MarkStepAsync(id, step, "ok", null, Ct);
            clock.Advance(TimeSpan.FromDays(1));
        }

        await crm.UpsertOrderAsync(NewOrder(id), Ct);         // other rows in the partition are not steps
        await crm.RecordContentOpenAsync(id, SeoulMorning, Ct);
        await crm.MarkStepAsync(NewInstanceId(), "Elsewhere", "ok", null, Ct);   // nor are another journey's

        IReadOnlyList<TimelineEntry> timeline = await crm.GetTimelineAsync(id, Ct);

        Assert.Equal(steps, timeline.Select(e => e.Step));
        Assert.Equal(Enumerable.Range(0, steps.Length).Select(d => SeoulMorning.AddDays(d)), timeline.Select(e => e.At));
    }

    [Fact]
    public async Task First_content_open_counts_once_and_is_stamped_on_the_order()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder();
        await crm.UpsertOrderAsync(order, Ct);

        Assert.False(await crm.HasOpenedContentAsync(order.InstanceId, Ct));
        Assert.True(await crm.RecordContentOpenAsync(order.InstanceId, SeoulMorning.AddHours(2), Ct));
        Assert.False(await crm.RecordContentOpenAsync(order.InstanceId, SeoulMorning.AddHours(5), Ct));

        Assert.True(await crm.HasOpenedContentAsync(order.InstanceId, Ct));
        Assert.Equal(SeoulMorning.AddHours(2), (await crm.GetOrderAsync(order.InstanceId, Ct))?.ContentOpenedAt);
    }

    [Fact]
    public async Task Content_opened_before_the_order_was_recorded_still_shows_on_the_order()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder();

        Assert.True(await crm.RecordContentOpenAsync(order.InstanceId, SeoulMorning.AddMinutes(1), Ct));
        await crm.UpsertOrderAsync(order, Ct);

        Assert.Equal(SeoulMorning.AddMinutes(1), (await crm.GetOrderAsync(order.InstanceId, Ct))?.ContentOpenedAt);
    }

    [Fact]
    public async Task A_later_survey_reply_replaces_the_earlier_one()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder();
        await crm.UpsertOrderAsync(order, Ct);

        await crm.RecordSurveyReplyAsync(order.InstanceId, new SurveyReply(2, "파일이 안 열려요", SeoulMorning.AddDays(3)), Ct);
        await crm.RecordSurveyReplyAsync(order.InstanceId, new SurveyReply(5, null, SeoulMorning.AddDays(3).AddHours(1)), Ct);

        OrderRecord? read = await crm.GetOrderAsync(order.InstanceId, Ct);
        Assert.Equal(5, read?.SurveyScore);
        Assert.Null(read?.SurveyComment);   // the old complaint does not linger next to the new score
        Assert.Equal(SeoulMorning.AddDays(3).AddHours(1), read?.SurveyRepliedAt);

        // A replay of the older answer does not undo the buyer's change of mind.
        await crm.RecordSurveyReplyAsync(order.InstanceId, new SurveyReply(2, "파일이 안 열려요", SeoulMorning.AddDays(3)), Ct);
        Assert.Equal(5, (await crm.GetOrderAsync(order.InstanceId, Ct))?.SurveyScore);
    }

    [Fact]
    public async Task A_very_long_survey_comment_is_cut_to_4000_characters()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder();
        await crm.UpsertOrderAsync(order, Ct);

        await crm.RecordSurveyReplyAsync(order.InstanceId, new SurveyReply(1, new string('아', 40_000), SeoulMorning), Ct);

        OrderRecord? read = await crm.GetOrderAsync(order.InstanceId, Ct);
        Assert.Equal(new string('아', CustomerRepository.MaxCommentLength), read?.SurveyComment);
        Assert.Equal(1, read?.SurveyScore);
    }

    [Fact]
    public async Task Concurrent_tag_additions_are_all_kept_once_each()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder() with { Tags = ["provider:stripe"] };
        await crm.UpsertOrderAsync(order, Ct);
        string[] added = [.. Enumerable.Range(0, 12).Select(i => $"tag-{i}")];

        // Each tag twice, the second time in upper case, from separate repositories at once.
        await Task.WhenAll(added.Concat(added.Select(t => t.ToUpperInvariant()))
            .Select(tag => this.NewRepository().AddTagsAsync(order.InstanceId, [tag], Ct)));

        OrderRecord? read = await crm.GetOrderAsync(order.InstanceId, Ct);
        Assert.NotNull(read);
        Assert.Equal("provider:stripe", read.Tags[0]);   // existing tags keep their place
        Assert.Equal(1 + added.Length, read.Tags.Count);
        Assert.All(added, tag => Assert.Contains(tag, read.Tags, StringComparer.OrdinalIgnoreCase));

        CustomerRecord? customer = await crm.GetCustomerAsync(order.BuyerEmail!, Ct);
        Assert.Equal(1 + added.Length, customer?.Tags.Count);   // the buyer carries the order's tags too
    }

    [Fact]
    public async Task Tags_are_unioned_without_case_duplicates_in_a_stable_order()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder() with { Tags = ["locale:ko", "satisfied"] };
        await crm.UpsertOrderAsync(order, Ct);

        await crm.AddTagsAsync(order.InstanceId, ["Satisfied", " repeat-buyer ", "", "a,b"], Ct);

        Assert.Equal(["locale:ko", "satisfied", "repeat-buyer", "a", "b"], (await crm.GetOrderAsync(order.InstanceId, Ct))?.Tags);
    }

    [Fact]
    public async Task Refund_is_not_undone_by_a_later_status_or_a_replayed_order()
    {
        FakeTimeProvider clock = new(SeoulMorning.AddDays(2));
        CustomerRepository crm = this.NewRepository(clock);
        OrderRecord order = NewOrder();
        await crm.UpsertOrderAsync(order, Ct);

        await crm.SetStatusAsync(order.InstanceId, OrderStatus.Refunded, Ct);
        await crm.SetStatusAsync(order.InstanceId, OrderStatus.Completed, Ct);   // a late activity
        await crm.UpsertOrderAsync(order, Ct);                                    // a replayed RecordPurchase

        OrderRecord? read = await crm.GetOrderAsync(order.InstanceId, Ct);
        Assert.Equal(OrderStatus.Refunded, read?.Status);
        Assert.Equal(SeoulMorning.AddDays(2), read?.RefundedAt);
    }

    [Fact]
    public async Task Status_changes_until_a_refund()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder();
        await crm.UpsertOrderAsync(order, Ct);

        await crm.SetStatusAsync(order.InstanceId, OrderStatus.Completed, Ct);

        Assert.Equal(OrderStatus.Completed, (await crm.GetOrderAsync(order.InstanceId, Ct))?.Status);
    }

    [Fact]
    public async Task A_refund_that_arrives_before_the_order_is_kept_when_the_order_is_recorded()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder();

        await crm.SetStatusAsync(order.InstanceId, OrderStatus.Refunded, Ct);
        Assert.Null(await crm.GetOrderAsync(order.InstanceId, Ct));   // not an order yet
        await crm.UpsertOrderAsync(order, Ct);

        Assert.Equal(OrderStatus.Refunded, (await crm.GetOrderAsync(order.InstanceId, Ct))?.Status);
    }

    [Fact]
    public async Task Replaying_an_order_keeps_the_survey_answer_open_time_and_added_tags()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder() with { Tags = ["provider:stripe"] };
        await crm.UpsertOrderAsync(order, Ct);
        await crm.RecordSurveyReplyAsync(order.InstanceId, new SurveyReply(5, "최고", SeoulMorning.AddDays(3)), Ct);
        await crm.RecordContentOpenAsync(order.InstanceId, SeoulMorning.AddHours(1), Ct);
        await crm.AddTagsAsync(order.InstanceId, ["satisfied"], Ct);

        await crm.UpsertOrderAsync(order with { Tags = ["provider:stripe", "locale:ko"] }, Ct);

        OrderRecord? read = await crm.GetOrderAsync(order.InstanceId, Ct);
        Assert.Equal(5, read?.SurveyScore);
        Assert.Equal("최고", read?.SurveyComment);
        Assert.Equal(SeoulMorning.AddHours(1), read?.ContentOpenedAt);
        Assert.Equal(["provider:stripe", "satisfied", "locale:ko"], read?.Tags);
    }

    [Fact]
    public async Task A_buyer_with_two_orders_is_one_customer_and_a_replay_does_not_count_twice()
    {
        CustomerRepository crm = this.NewRepository();
        string email = $"minji.{Guid.NewGuid():N}@example.com";
        OrderRecord first = NewOrder() with { BuyerEmail = email, BuyerName = "김민지", Tags = ["product:ebook"], PaidAt = SeoulMorning };
        OrderRecord second = NewOrder() with
        {
            BuyerEmail = $"  {email.ToUpperInvariant()} ",   // same buyer, typed differently at checkout
            BuyerName = "Minji Kim",
            Locale = "en",
            Tags = ["product:course", "PRODUCT:EBOOK"],
            PaidAt = SeoulMorning.AddDays(10),
        };

        await crm.UpsertOrderAsync(first, Ct);
        await crm.UpsertOrderAsync(second, Ct);
        await crm.UpsertOrderAsync(first, Ct);    // replayed activity
        await crm.UpsertOrderAsync(second, Ct);

        CustomerRecord? customer = await crm.GetCustomerAsync(email, Ct);
        Assert.NotNull(customer);
        Assert.Equal(2, customer.OrderCount);
        Assert.Equal(["product:ebook", "product:course"], customer.Tags);
        Assert.Equal(SeoulMorning, customer.FirstOrderAt);
        Assert.Equal(SeoulMorning.AddDays(10), customer.LastOrderAt);
        Assert.Equal("Minji Kim", customer.Name);   // from the most recent order
        Assert.Equal("en", customer.Locale);
        Assert.Equal(2, (await crm.GetCustomerAsync($" {email.ToUpperInvariant()}", Ct))?.OrderCount);
    }

    [Fact]
    public async Task An_order_without_an_email_is_still_recorded()
    {
        CustomerRepository crm = this.NewRepository();
        OrderRecord order = NewOrder() with { BuyerEmail = null, Status = OrderStatus.NeedsBuyerEmail };

        await crm.UpsertOrderAsync(order, Ct);

        OrderRecord? read = await crm.GetOrderAsync(order.InstanceId, Ct);
        Assert.Equal(OrderStatus.NeedsBuyerEmail, read?.Status);
        Assert.Null(read?.BuyerEmail);
    }

    [Fact]
    public async Task Email_with_key_unsafe_characters_is_stored_under_an_encoded_key()
    {
        CustomerRepository crm = this.NewRepository();
        string email = $"\"odd/user#{Guid.NewGuid():N}?\"@example.com";   // legal as a quoted local part
        OrderRecord order = NewOrder() with { BuyerEmail = email };

        await crm.UpsertOrderAsync(order, Ct);

        Assert.Equal(email, (await crm.GetCustomerAsync(email, Ct))?.Email);
        TableClient table = azurite.CreateTableServiceClient().GetTableClient(CustomerRepository.CustomersTableName);
        TableEntity row = (await table.GetEntityAsync<TableEntity>(CustomerRepository.CustomerPartition, CustomerRepository.CustomerRowFor(email), cancellationToken: Ct)).Value;
        Assert.True(TableKeys.IsValidKey(row.RowKey));
        Assert.Equal(email.ToLowerInvariant(), TableKeys.Decode(row.RowKey));
    }

    [Fact]
    public async Task Ensuring_the_tables_twice_is_harmless_and_both_exist()
    {
        CustomerRepository crm = this.NewRepository();

        await crm.EnsureTablesAsync(Ct);
        await this.NewRepository().EnsureTablesAsync(Ct);

        List<string> names = [];
        await foreach (Azure.Data.Tables.Models.TableItem table in azurite.CreateTableServiceClient().QueryAsync(cancellationToken: Ct))
        {
            names.Add(table.Name);
        }

        Assert.Contains(CustomerRepository.OrdersTableName, names);
        Assert.Contains(CustomerRepository.CustomersTableName, names);
    }

    private CustomerRepository NewRepository(TimeProvider? time = null) =>
        new(azurite.CreateTableServiceClient(), time ?? TimeProvider.System);

    private static string NewInstanceId() => $"order-stripe-{Guid.NewGuid():N}";

    private static OrderRecord NewOrder(string? instanceId = null) => new()
    {
        InstanceId = instanceId ?? NewInstanceId(),
        Provider = "stripe",
        PaymentId = $"cs_test_{Guid.NewGuid():N}",
        BuyerEmail = $"buyer.{Guid.NewGuid():N}@example.com",
        Locale = "ko",
        ProductName = "전자책",
        AmountMinor = 12000,
        Currency = "KRW",
        PaidAt = SeoulMorning,
        Channel = "checkout",
        Status = OrderStatus.Active,
    };
}

using PostPurchase.Crm;
using PostPurchase.Journey;

namespace PostPurchase.Activities;

/// <summary>Stores the reply the journey acted on and tags the order: satisfied, neutral or needs-attention.</summary>
public sealed class RecordSurveyReply(CustomerRepository crm)
{
    public async Task<bool> RunAsync(ReplyRecorded input, CancellationToken cancellationToken)
    {
        string id = input.Journey.InstanceId;
        string tag = input.Reply.Score >= 4 ? CrmTags.Satisfied : input.Reply.Score <= 2 ? CrmTags.NeedsAttention : CrmTags.Neutral;
        await crm.RecordSurveyReplyAsync(id, input.Reply, cancellationToken);
        await crm.AddTagsAsync(id, [tag], cancellationToken);
        await crm.MarkStepAsync(id, nameof(RecordSurveyReply), tag, $"score {input.Reply.Score}", cancellationToken);
        return true;
    }
}

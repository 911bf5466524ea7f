using PostPurchase.Crm;
using PostPurchase.Journey;

namespace PostPurchase.Activities;

/// <summary>
/// Freezes the survey answer the journey acts on: the buyer's latest score and comment in the CRM. From here on the
/// survey page says "already received".
/// </summary>
public sealed class SettleSurveyReply(CustomerRepository crm)
{
    public async Task<SurveyReply?> RunAsync(string instanceId, CancellationToken cancellationToken)
    {
        SurveyReply? reply = await crm.SettleSurveyAsync(instanceId, cancellationToken);
        await crm.MarkStepAsync(instanceId, nameof(SettleSurveyReply), reply is null ? "none" : $"score {reply.Score}", null, cancellationToken);
        return reply;
    }
}

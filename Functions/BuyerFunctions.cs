using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PostPurchase.Http;

namespace PostPurchase.Functions;

/// <summary>Links in buyer mails: anonymous, because the signed token is the credential.</summary>
public sealed class BuyerFunctions(BuyerDoors doors)
{
    [Function("SurveyReply")]
    public Task<IResult> SurveyAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "survey/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.SurveyAsync(request, token, client, cancellationToken);

    [Function("SurveyComment")]
    public Task<IResult> SurveyCommentAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "survey/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.SurveyCommentAsync(request, token, client, cancellationToken);

    [Function("AccessLink")]
    public Task<IResult> GoAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "go/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.GoAsync(request, token, client, cancellationToken);

    [Function("Unsubscribe")]
    public Task<IResult> UnsubscribeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "unsubscribe/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) => doors.UnsubscribeAsync(request, token, cancellationToken);

    [Function("FileDownload")]
    public Task<IResult> FileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "files/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) => doors.FileAsync(request, token, cancellationToken);
}

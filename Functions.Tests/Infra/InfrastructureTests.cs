using System.Text.Json;
using System.Text.RegularExpressions;

namespace PostPurchase.Tests.Infra;

/// <summary>
/// The security facts of what `azd up` deploys, read from the ARM JSON that the real Bicep CLI compiles from
/// infra/main.bicep and evaluated for a seller's parameters the way ARM evaluates them. Values that only
/// exist after deployment (the identity's client id, the vault's name) appear as &lt;module.outputs.x.value&gt;.
/// </summary>
public sealed partial class InfrastructureTests
{
    /// <summary>Secure parameter → the app setting its value must reach only through Key Vault.</summary>
    private static readonly Dictionary<string, string> SecretParameters = new()
    {
        ["stripeWebhookSecret"] = "Stripe__WebhookSecret",
        ["stripeApiKey"] = "Stripe__ApiKey",
        ["sendGridApiKey"] = "SendGrid__ApiKey",
        ["slackWebhookUrl"] = "Slack__WebhookUrl",
        ["tossSecretKey"] = "Toss__SecretKey",
        ["payPalClientId"] = "PayPal__ClientId",
        ["payPalClientSecret"] = "PayPal__ClientSecret",
        ["payPalWebhookId"] = "PayPal__WebhookId",
        ["inboundMailSecret"] = "InboundMail__Secret",
        ["inboundMailBasicAuthUser"] = "InboundMail__BasicAuthUser",
        ["inboundMailBasicAuthPassword"] = "InboundMail__BasicAuthPassword",
        ["linksSigningKey"] = "Links__SigningKey",
    };

    private static readonly string[] RequiredSecrets = ["stripeWebhookSecret", "sendGridApiKey", "linksSigningKey"];

    private const string VaultName = "<keyVault.outputs.name.value>";
    private const string IdentityClientId = "<identity.outputs.clientId.value>";
    private const string IdentityResourceId = "<identity.outputs.resourceId.value>";
    private const string AppPrincipal = "<identity.outputs.principalId.value>";
    private const string DurableTaskDataContributor = "0ad04412-c4d5-4796-b79c-f76d14c8d402";

    private static CompiledInfrastructure Infra => CompiledInfrastructure.Instance;

    [Fact]
    public void The_templates_compile_without_a_single_warning()
    {
        Assert.True(string.IsNullOrWhiteSpace(Infra.Diagnostics), $"bicep build printed:\n{Infra.Diagnostics}");
    }

    [Fact]
    public void The_storage_account_refuses_account_keys_plain_HTTP_public_blobs_and_TLS_below_1_2()
    {
        TemplateView storage = Deploy().Module("storage");
        Dictionary<string, object?> account = Assert.Single(storage.DeployedInstances("account"));
        Dictionary<string, object?> properties = Object(account["properties"]);

        Assert.Equal(false, properties["allowSharedKeyAccess"]);
        Assert.Equal(true, properties["supportsHttpsTrafficOnly"]);
        Assert.Equal("TLS1_2", properties["minimumTlsVersion"]);
        Assert.Equal(false, properties["allowBlobPublicAccess"]);
        Assert.Equal(true, properties["defaultToOAuthAuthentication"]);
    }

    [Fact]
    public void The_storage_account_serves_blobs_queues_and_tables_because_Durable_needs_all_three()
    {
        TemplateView storage = Deploy().Module("storage");

        Assert.Single(storage.DeployedInstances("blobService"));
        Assert.Single(storage.DeployedInstances("queueService"));
        Assert.Single(storage.DeployedInstances("tableService"));
        Dictionary<string, object?> container = Assert.Single(storage.DeployedInstances("containers"));
        Assert.Equal("None", Object(container["properties"])["publicAccess"]);
    }

    [Fact]
    public void The_function_app_answers_only_HTTPS_with_TLS_1_2_and_no_publishing_passwords()
    {
        TemplateView app = Deploy().Module("functionApp");
        Dictionary<string, object?> site = Object(Assert.Single(app.DeployedInstances("site"))["properties"]);
        Dictionary<string, object?> siteConfig = Object(site["siteConfig"]);

        Assert.Equal(true, site["httpsOnly"]);
        Assert.Equal("1.2", siteConfig["minTlsVersion"]);
        Assert.Equal("1.2", siteConfig["scmMinTlsVersion"]);
        Assert.Equal("Disabled", siteConfig["ftpsState"]);
        foreach (string policy in new[] { "ftpBasicAuth", "scmBasicAuth" })
        {
            Assert.Equal(false, Object(Assert.Single(app.DeployedInstances(policy))["properties"])["allow"]);
        }
    }

    [Fact]
    public void The_function_app_runs_as_the_user_assigned_identity_and_resolves_Key_Vault_references_with_it()
    {
        TemplateView app = Deploy().Module("functionApp");
        Dictionary<string, object?> site = Assert.Single(app.DeployedInstances("site"));
        Dictionary<string, object?> identity = Object(site["identity"]);
        Dictionary<string, object?> properties = Object(site["properties"]);

        Assert.Equal("UserAssigned", identity["type"]);
        Assert.Equal([IdentityResourceId], Object(identity["userAssignedIdentities"]).Keys);
        Assert.Equal(IdentityResourceId, properties["keyVaultReferenceIdentity"]);
    }

    [Fact]
    public void The_function_app_is_dotnet_isolated_10_on_Flex_Consumption_and_pulls_its_package_with_its_identity()
    {
        TemplateView main = Deploy();
        TemplateView app = main.Module("functionApp");
        Dictionary<string, object?> site = Assert.Single(app.DeployedInstances("site"));
        Dictionary<string, object?> config = Object(Object(site["properties"])["functionAppConfig"]);
        Dictionary<string, object?> storage = Object(Object(config["deployment"])["storage"]);
        Dictionary<string, object?> plan = Assert.Single(main.Module("plan").DeployedInstancesOfType("Microsoft.Web/serverfarms"));

        Assert.Equal("functionapp,linux", site["kind"]);
        Assert.Equal("dotnet-isolated", Object(config["runtime"])["name"]);
        Assert.Equal("10.0", Object(config["runtime"])["version"]);
        Assert.Equal("FC1", Object(plan["sku"])["name"]);
        Assert.Equal("FlexConsumption", Object(plan["sku"])["tier"]);
        Assert.Equal("blobContainer", storage["type"]);
        Assert.Equal("UserAssignedIdentity", Object(storage["authentication"])["type"]);
        Assert.Equal(IdentityResourceId, Object(storage["authentication"])["userAssignedIdentityResourceId"]);
        Assert.Equal("functions", Object(site["tags"])["azd-service-name"]); // azure.yaml's service name: how `azd deploy` finds it
    }

    [Fact]
    public void The_key_vault_grants_access_through_Azure_roles_only()
    {
        TemplateView vault = Deploy().Module("keyVault");
        Dictionary<string, object?> properties = Object(Assert.Single(vault.DeployedInstances("vault"))["properties"]);

        Assert.Equal(true, properties["enableRbacAuthorization"]);
        Assert.False(properties.ContainsKey("accessPolicies"));
        Assert.Equal(false, properties["enabledForTemplateDeployment"]);
    }

    [Fact]
    public void Every_secret_setting_is_a_Key_Vault_reference_and_no_setting_holds_a_secret_value()
    {
        Dictionary<string, object?> settings = AppSettings(Deploy(Parameters()));

        foreach (string setting in SecretParameters.Values)
        {
            Assert.True(settings.ContainsKey(setting), $"{setting} is missing from the app settings");
            Assert.Matches(KeyVaultReference(), (string?)settings[setting]);
        }

        foreach ((string setting, object? value) in settings)
        {
            // Every sample secret starts with the marker, so any copy of one, whole or in part of a string, shows.
            Assert.False(value?.ToString()?.Contains(SecretMarker, StringComparison.Ordinal) == true, $"{setting} carries a secret value");
        }
    }

    [Fact]
    public void Each_reference_names_a_secret_that_the_vault_actually_holds_with_the_sellers_value()
    {
        Dictionary<string, object?> parameters = Parameters();
        TemplateView main = Deploy(parameters);
        Dictionary<string, object?> settings = AppSettings(main);
        Dictionary<string, string> vaultSecrets = main.Module("keyVault").DeployedInstances("secrets").ToDictionary(
            s => ((string)s["name"]!).Split('/')[1],
            s => (string)Object(s["properties"])["value"]!);

        Assert.Equal(SecretParameters.Count, vaultSecrets.Count);
        foreach ((string parameter, string setting) in SecretParameters)
        {
            Match reference = KeyVaultReference().Match((string)settings[setting]!);
            Assert.Equal(VaultName, reference.Groups["vault"].Value);
            Assert.Equal(parameters[parameter], vaultSecrets[reference.Groups["secret"].Value]);
        }
    }

    [Fact]
    public void An_optional_secret_left_unset_creates_neither_a_secret_nor_a_setting_that_would_resolve_to_nothing()
    {
        TemplateView main = Deploy(Parameters(optionalSecrets: false));
        Dictionary<string, object?> settings = AppSettings(main);
        List<string> vaultSecrets = main.Module("keyVault").DeployedInstances("secrets").Select(s => ((string)s["name"]!).Split('/')[1]).ToList();

        Assert.Equal(RequiredSecrets.Length, vaultSecrets.Count);
        foreach ((string parameter, string setting) in SecretParameters)
        {
            bool required = RequiredSecrets.Contains(parameter);
            Assert.Equal(required, settings.ContainsKey(setting));
        }
    }

    [Fact]
    public void The_Functions_host_and_the_CRM_reach_storage_with_the_managed_identity_and_no_connection_string()
    {
        Dictionary<string, object?> settings = AppSettings(Deploy());

        Assert.False(settings.ContainsKey("AzureWebJobsStorage"), "a plain AzureWebJobsStorage would be a connection string");
        Assert.False(settings.ContainsKey("CrmTables"));
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal(IdentityClientId, settings["AzureWebJobsStorage__clientId"]);
        Assert.Equal("<storage.outputs.primaryBlobEndpoint.value>", settings["AzureWebJobsStorage__blobServiceUri"]);
        Assert.Equal("<storage.outputs.primaryQueueEndpoint.value>", settings["AzureWebJobsStorage__queueServiceUri"]);
        Assert.Equal("<storage.outputs.primaryTableEndpoint.value>", settings["AzureWebJobsStorage__tableServiceUri"]);
        Assert.Equal("<storage.outputs.primaryTableEndpoint.value>", settings["CrmTables__endpoint"]);
        Assert.Equal("managedidentity", settings["CrmTables__credential"]);
        Assert.Equal(IdentityClientId, settings["CrmTables__clientId"]);
        Assert.DoesNotContain(settings.Values, v => v?.ToString()?.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase) == true);
        Assert.DoesNotContain(settings.Keys, k => k is "FUNCTIONS_WORKER_RUNTIME" or "FUNCTIONS_EXTENSION_VERSION" or "WEBSITE_RUN_FROM_PACKAGE"); // Flex rejects them
    }

    [Fact]
    public void Each_environment_gets_its_own_task_hub_named_in_letters_and_digits()
    {
        Dictionary<string, object?> settings = AppSettings(Deploy(Parameters(environmentName: "shop-prod_2")));

        Assert.Equal("postpurchaseshopprod2", settings["TASKHUB_NAME"]);
        Assert.Equal("postpurchaseshopprod2", Deploy(Parameters(environmentName: "shop-prod_2")).Variable("taskHubName"));
    }

    [Fact]
    public void Telemetry_goes_to_Application_Insights_with_Entra_ID_only()
    {
        TemplateView main = Deploy();
        Dictionary<string, object?> settings = AppSettings(main);
        Dictionary<string, object?> component = Object(Assert.Single(main.Module("appInsights").DeployedInstancesOfType("Microsoft.Insights/components"))["properties"]);

        Assert.Equal(true, component["DisableLocalAuth"]);
        Assert.Equal("<appInsights.outputs.connectionString.value>", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        Assert.Equal($"ClientId={IdentityClientId};Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    }

    [Fact]
    public void Links_in_mails_point_at_the_apps_https_address_unless_the_seller_names_a_domain()
    {
        Assert.Equal("https://<site.defaultHostName>", AppSettings(Deploy())["Links__BaseUrl"]);
        Assert.Equal("https://shop.example.kr", AppSettings(Deploy(Parameters(linksBaseUrl: "https://shop.example.kr")))["Links__BaseUrl"]);
    }

    [Fact]
    public void The_plain_settings_carry_the_sender_and_the_catalog()
    {
        Dictionary<string, object?> settings = AppSettings(Deploy());

        Assert.Equal("hello@shop.example", settings["SendGrid__FromEmail"]);
        Assert.Equal("Minji's Shop", settings["SendGrid__FromName"]);
        Assert.Equal("catalog/catalog.json", settings["Catalog__Path"]);
        Assert.False(settings.ContainsKey("SendGrid__EventWebhookPublicKey"), "an empty key would make the event webhook reject everything");

        Dictionary<string, object?> withEvents = Parameters();
        withEvents["sendGridEventWebhookPublicKey"] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE";
        Assert.Equal("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", AppSettings(Deploy(withEvents))["SendGrid__EventWebhookPublicKey"]);
    }

    [Fact]
    public void The_task_hub_lives_on_the_apps_storage_unless_the_Durable_Task_Scheduler_is_chosen()
    {
        TemplateView main = Deploy();
        Dictionary<string, object?> settings = AppSettings(main);

        Assert.False(main.IsDeployed("scheduler"));
        Assert.DoesNotContain(settings.Keys, k => k.Contains("durableTask", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DURABLE_TASK", StringComparison.Ordinal));
        Assert.DoesNotContain(Grants(main.Module("rbac")), g => g.Role == DurableTaskDataContributor);
    }

    [Fact]
    public void Choosing_the_Durable_Task_Scheduler_creates_it_with_the_task_hub_grants_the_app_and_switches_the_host()
    {
        TemplateView main = Deploy(Parameters(durableBackend: "DurableTaskScheduler"));
        Dictionary<string, object?> settings = AppSettings(main);
        TemplateView scheduler = main.Module("scheduler");
        List<(string Scope, string Role, string Principal)> grants = Grants(main.Module("rbac"));

        Assert.True(main.IsDeployed("scheduler"));
        Assert.Equal(settings["TASKHUB_NAME"], ((string)Assert.Single(scheduler.DeployedInstancesOfType("Microsoft.DurableTask/schedulers/taskHubs"))["name"]!).Split('/')[1]);
        Assert.Equal("azureManaged", settings["AzureFunctionsJobHost__extensions__durableTask__storageProvider__type"]);
        Assert.Equal("DURABLE_TASK_SCHEDULER_CONNECTION_STRING", settings["AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName"]);
        Assert.Equal($"Endpoint=<scheduler.outputs.endpoint.value>;Authentication=ManagedIdentity;ClientID={IdentityClientId}", settings["DURABLE_TASK_SCHEDULER_CONNECTION_STRING"]);
        Assert.Contains(("Microsoft.DurableTask/schedulers/<scheduler.outputs.name.value>", DurableTaskDataContributor, AppPrincipal), grants);
        Assert.NotEmpty(Assert.IsType<List<object?>>(Object(Assert.Single(scheduler.DeployedInstancesOfType("Microsoft.DurableTask/schedulers"))["properties"])["ipAllowlist"]));
    }

    [Fact]
    public void The_app_identity_holds_exactly_the_data_roles_it_needs_each_on_its_own_resource()
    {
        List<(string Scope, string Role, string Principal)> grants = Grants(Deploy(Parameters(principalId: "")).Module("rbac"));

        (string, string, string)[] expected =
        [
            ("Microsoft.Storage/storageAccounts/<storage.outputs.name.value>", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", AppPrincipal), // Storage Blob Data Owner
            ("Microsoft.Storage/storageAccounts/<storage.outputs.name.value>", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", AppPrincipal), // Storage Queue Data Contributor
            ("Microsoft.Storage/storageAccounts/<storage.outputs.name.value>", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", AppPrincipal), // Storage Table Data Contributor
            ("Microsoft.Insights/components/<appInsights.outputs.name.value>", "3913510d-42f4-4e42-8a64-420c390055eb", AppPrincipal), // Monitoring Metrics Publisher
            ("Microsoft.KeyVault/vaults/<keyVault.outputs.name.value>", "4633458b-17de-408a-b874-0445c86b69e6", AppPrincipal), // Key Vault Secrets User
        ];
        Assert.Equal(expected.Order(), grants.Order());
    }

    [Fact]
    public void The_deployer_may_rotate_secrets_and_read_the_CRM_but_gets_no_other_role()
    {
        const string deployer = "5c3a4f4e-1d41-4a3e-9d6f-2c1d8c6f0b11";
        List<(string Scope, string Role, string Principal)> grants = Grants(Deploy(Parameters(principalId: deployer)).Module("rbac"));

        Assert.Equal(
            new[]
            {
                ("Microsoft.KeyVault/vaults/<keyVault.outputs.name.value>", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", deployer), // Key Vault Secrets Officer
                ("Microsoft.Storage/storageAccounts/<storage.outputs.name.value>", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", deployer), // Storage Table Data Contributor
            }.Order(),
            grants.Where(g => g.Principal == deployer).Order());
    }

    [Fact]
    public void Every_secret_parameter_is_secure_and_defaults_to_nothing_but_empty()
    {
        JsonElement parameters = Infra.Template.GetProperty("parameters");
        List<string> secure = parameters.EnumerateObject()
            .Where(p => p.Value.GetProperty("type").GetString()!.StartsWith("secure", StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Name)
            .ToList();

        Assert.Equal(SecretParameters.Keys.Order(StringComparer.Ordinal), secure.Order(StringComparer.Ordinal));
        foreach (string name in secure)
        {
            JsonElement declared = parameters.GetProperty(name);
            Assert.True(!declared.TryGetProperty("defaultValue", out JsonElement value) || value.GetString() == "", $"{name} has a default value");
            Assert.Equal(RequiredSecrets.Contains(name), !declared.TryGetProperty("defaultValue", out _));
        }
    }

    [Fact]
    public void Module_parameters_that_receive_secret_values_are_secure_too()
    {
        JsonElement vault = Deploy().Module("keyVault").Template.GetProperty("parameters");

        Assert.Equal("secureObject", vault.GetProperty("secretValues").GetProperty("type").GetString());
    }

    [Fact]
    public void Secret_values_flow_only_into_the_key_vault()
    {
        JsonElement main = Infra.Template;
        string[] secureNames = [.. SecretParameters.Keys];

        foreach (JsonProperty resource in main.GetProperty("resources").EnumerateObject())
        {
            JsonElement parameters = resource.Value.TryGetProperty("properties", out JsonElement p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("parameters", out JsonElement mp) ? mp : default;
            foreach (JsonProperty parameter in parameters.ValueKind == JsonValueKind.Object ? parameters.EnumerateObject() : Enumerable.Empty<JsonProperty>())
            {
                bool intoVault = resource.Name == "keyVault" && parameter.Name == "secretValues";
                Assert.True(intoVault || !ReferencesAny(parameter.Value, secureNames), $"module {resource.Name} receives a secret through '{parameter.Name}'");
            }
        }

        foreach (JsonProperty variable in main.GetProperty("variables").EnumerateObject())
        {
            // Only the emptiness of a secret may be computed outside the vault (which optional settings exist).
            string text = variable.Value.GetRawText();
            Assert.True(!ReferencesAny(variable.Value, secureNames) || SecretsOnlyTestedForEmptiness(text, secureNames), $"variable {variable.Name} uses a secret value");
        }
    }

    [Fact]
    public void No_output_anywhere_and_no_parameter_default_carries_a_secret()
    {
        foreach ((string path, JsonElement template) in Deploy().AllTemplates())
        {
            List<string> secure = template.GetProperty("parameters").EnumerateObject()
                .Where(p => p.Value.GetProperty("type").GetString()!.StartsWith("secure", StringComparison.OrdinalIgnoreCase))
                .Select(p => p.Name).ToList();
            if (template.TryGetProperty("outputs", out JsonElement outputs))
            {
                foreach (JsonProperty output in outputs.EnumerateObject())
                {
                    Assert.False(ReferencesAny(output.Value, [.. secure]), $"{path} output {output.Name} uses a secure parameter");
                    Assert.DoesNotMatch(ListSecretsCall(), output.Value.GetRawText());
                }
            }

            foreach (JsonProperty parameter in template.GetProperty("parameters").EnumerateObject())
            {
                if (parameter.Value.TryGetProperty("defaultValue", out JsonElement value))
                {
                    Assert.DoesNotMatch(SecretLookingValue(), value.GetRawText());
                }
            }
        }
    }

    [Fact]
    public void Outputs_are_UPPER_SNAKE_for_azd_and_name_what_the_README_uses()
    {
        List<string> outputs = Infra.Template.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToList();

        Assert.All(outputs, o => Assert.Matches("^[A-Z][A-Z0-9_]*$", o));
        Assert.Contains("AZURE_FUNCTION_NAME", outputs);
        Assert.Contains("AZURE_FUNCTION_URL", outputs);
        Assert.Contains("AZURE_RESOURCE_GROUP", outputs);
        Assert.Contains("AZURE_KEY_VAULT_NAME", outputs);
        Assert.Contains("TASKHUB_NAME", outputs);
    }

    [Fact]
    public void The_azd_parameters_file_takes_every_secret_from_the_azd_environment_and_holds_none_itself()
    {
        JsonElement file = CompiledInfrastructure.ReadJson(Path.Combine("infra", "main.parameters.json")).GetProperty("parameters");
        JsonElement declared = Infra.Template.GetProperty("parameters");

        foreach (JsonProperty parameter in file.EnumerateObject())
        {
            Assert.True(declared.TryGetProperty(parameter.Name, out _), $"main.parameters.json sets '{parameter.Name}', which main.bicep does not declare");
            Assert.Matches(@"^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$", parameter.Value.GetProperty("value").GetString());
        }

        foreach (string secret in SecretParameters.Keys)
        {
            string value = file.GetProperty(secret).GetProperty("value").GetString()!;
            Assert.Matches(@"^\$\{[A-Z][A-Z0-9_]*=?\}$", value); // an azd variable with at most an empty default
        }

        foreach (string required in new[] { "environmentName", "location", "sendGridFromEmail" })
        {
            Assert.True(file.TryGetProperty(required, out _), $"main.parameters.json does not set {required}");
        }
    }

    private const string SecretMarker = "SECRET-";

    private static TemplateView Deploy(Dictionary<string, object?>? parameters = null) => Infra.Deploy(parameters ?? Parameters());

    private static Dictionary<string, object?> Parameters(
        bool optionalSecrets = true,
        string durableBackend = "AzureStorage",
        string environmentName = "shop-prod",
        string linksBaseUrl = "",
        string principalId = "5c3a4f4e-1d41-4a3e-9d6f-2c1d8c6f0b11")
    {
        Dictionary<string, object?> parameters = new()
        {
            ["environmentName"] = environmentName,
            ["location"] = "koreacentral",
            ["principalId"] = principalId,
            ["durableBackend"] = durableBackend,
            ["sendGridFromEmail"] = "hello@shop.example",
            ["sendGridFromName"] = "Minji's Shop",
            ["linksBaseUrl"] = linksBaseUrl,
        };
        foreach (string secret in SecretParameters.Keys)
        {
            bool set = optionalSecrets || RequiredSecrets.Contains(secret);
            parameters[secret] = set ? $"{SecretMarker}{secret}-0123456789abcdef0123456789abcdef" : "";
        }

        return parameters;
    }

    private static Dictionary<string, object?> AppSettings(TemplateView main)
    {
        TemplateView app = main.Module("functionApp");
        return Object(Assert.Single(app.DeployedInstances("appSettings"))["properties"]);
    }

    /// <summary>Every role assignment the rbac module makes with these parameters: where, which role, to whom.</summary>
    private static List<(string Scope, string Role, string Principal)> Grants(TemplateView rbac) =>
        rbac.DeployedInstancesOfType("Microsoft.Authorization/roleAssignments")
            .Select(g => (
                (string)g["scope"]!,
                ((string)Object(g["properties"])["roleDefinitionId"]!).Split('/')[^1],
                (string)Object(g["properties"])["principalId"]!))
            .ToList();

    private static Dictionary<string, object?> Object(object? value) =>
        Assert.IsType<Dictionary<string, object?>>(value);

    private static bool ReferencesAny(JsonElement value, string[] parameterNames)
    {
        string text = value.GetRawText();
        return parameterNames.Any(name => text.Contains($"parameters('{name}')", StringComparison.Ordinal));
    }

    /// <summary>True when every use of a secure parameter in the text is inside empty(...): its presence, never its value.</summary>
    private static bool SecretsOnlyTestedForEmptiness(string text, string[] secureNames) =>
        secureNames.All(name => !text.Replace($"empty(parameters('{name}'))", "", StringComparison.Ordinal).Contains($"parameters('{name}')", StringComparison.Ordinal));

    [GeneratedRegex(@"^@Microsoft\.KeyVault\(VaultName=(?<vault>[^;]+);SecretName=(?<secret>[a-z0-9-]+)\)$")]
    private static partial Regex KeyVaultReference();

    [GeneratedRegex(@"list(Keys|Secrets|ConnectionStrings|AccountSas)\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListSecretsCall();

    [GeneratedRegex(@"whsec_|sk_(live|test)_|SG\.[A-Za-z0-9_-]{10,}|hooks\.slack\.com/services|AccountKey=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLookingValue();
}

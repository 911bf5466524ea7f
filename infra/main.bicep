// azd entry point: `azd up` provisions this at subscription scope, then deploys ./Functions to the site
// tagged azd-service-name=functions. Secrets arrive as @secure() parameters from `azd env set`
// (main.parameters.json), go straight into Key Vault, and the app reads them through Key Vault references.
targetScope = 'subscription'

@description('azd environment name; names the resource group (rg-<env>) and seeds every resource name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for every resource.')
@minLength(1)
param location string

@description('Object id of the person or pipeline running azd (AZURE_PRINCIPAL_ID): may rotate secrets and read the CRM tables.')
param principalId string = ''

@description('Kind of principalId (AZURE_PRINCIPAL_TYPE).')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Durable backend: the task hub on the app\'s own storage account, or a Durable Task Scheduler.')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string = 'AzureStorage'

@description('Sender address buyers see (SendGrid__FromEmail); must be a verified SendGrid sender.')
@minLength(3)
param sendGridFromEmail string

@description('Sender display name (SendGrid__FromName).')
param sendGridFromName string = ''

@description('Verification key of the SendGrid signed event webhook (a public key, not a secret); empty leaves the setting out.')
param sendGridEventWebhookPublicKey string = ''

@description('Public base URL for links in mails when a custom domain fronts the app; empty uses the app\'s https address.')
param linksBaseUrl string = ''

@description('Flex Consumption instance memory in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Stripe endpoint signing secret, whsec_... (STRIPE_WEBHOOK_SECRET).')
@secure()
@minLength(1)
param stripeWebhookSecret string

@description('Stripe secret API key, optional (STRIPE_API_KEY).')
@secure()
param stripeApiKey string = ''

@description('SendGrid API key (SENDGRID_API_KEY).')
@secure()
@minLength(1)
param sendGridApiKey string

@description('Slack incoming-webhook URL, optional (SLACK_WEBHOOK_URL).')
@secure()
param slackWebhookUrl string = ''

@description('Toss Payments secret key, optional (TOSS_SECRET_KEY).')
@secure()
param tossSecretKey string = ''

@description('PayPal REST client id, optional (PAYPAL_CLIENT_ID).')
@secure()
param payPalClientId string = ''

@description('PayPal REST client secret, optional (PAYPAL_CLIENT_SECRET).')
@secure()
param payPalClientSecret string = ''

@description('PayPal webhook id used to verify deliveries, optional (PAYPAL_WEBHOOK_ID).')
@secure()
param payPalWebhookId string = ''

@description('Secret in the SendGrid Inbound Parse destination URL (?secret=), optional (INBOUND_MAIL_SECRET).')
@secure()
param inboundMailSecret string = ''

@description('Basic-auth user on the Inbound Parse destination URL, optional (INBOUND_MAIL_BASIC_AUTH_USER).')
@secure()
param inboundMailBasicAuthUser string = ''

@description('Basic-auth password on the Inbound Parse destination URL, optional (INBOUND_MAIL_BASIC_AUTH_PASSWORD).')
@secure()
param inboundMailBasicAuthPassword string = ''

@description('HMAC key for survey, access and unsubscribe links, 32+ characters (LINKS_SIGNING_KEY).')
@secure()
@minLength(32)
param linksSigningKey string

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
// Task hub names are letters and digits only; one hub per environment so environments never share state.
var taskHubName = take('postpurchase${replace(replace(toLower(environmentName), '-', ''), '_', '')}', 45)
var useScheduler = durableBackend == 'DurableTaskScheduler'
var deploymentContainerName = 'app-package-${resourceToken}'

// Every secret the app reads: its app setting and its Key Vault secret name (values go only to the vault module).
// Required secrets have @minLength above; an optional one left empty creates no secret and no setting.
var secretSettings = [
  { setting: 'Stripe__WebhookSecret', secretName: 'stripe-webhook-secret' }
  { setting: 'Stripe__ApiKey', secretName: 'stripe-api-key' }
  { setting: 'SendGrid__ApiKey', secretName: 'sendgrid-api-key' }
  { setting: 'Slack__WebhookUrl', secretName: 'slack-webhook-url' }
  { setting: 'Toss__SecretKey', secretName: 'toss-secret-key' }
  { setting: 'PayPal__ClientId', secretName: 'paypal-client-id' }
  { setting: 'PayPal__ClientSecret', secretName: 'paypal-client-secret' }
  { setting: 'PayPal__WebhookId', secretName: 'paypal-webhook-id' }
  { setting: 'InboundMail__Secret', secretName: 'inbound-mail-secret' }
  { setting: 'InboundMail__BasicAuthUser', secretName: 'inbound-mail-basic-auth-user' }
  { setting: 'InboundMail__BasicAuthPassword', secretName: 'inbound-mail-basic-auth-password' }
  { setting: 'Links__SigningKey', secretName: 'links-signing-key' }
]
// Which secrets were given: only their emptiness is computed outside the vault module, never their value.
var secretSet = {
  'stripe-webhook-secret': !empty(stripeWebhookSecret)
  'stripe-api-key': !empty(stripeApiKey)
  'sendgrid-api-key': !empty(sendGridApiKey)
  'slack-webhook-url': !empty(slackWebhookUrl)
  'toss-secret-key': !empty(tossSecretKey)
  'paypal-client-id': !empty(payPalClientId)
  'paypal-client-secret': !empty(payPalClientSecret)
  'paypal-webhook-id': !empty(payPalWebhookId)
  'inbound-mail-secret': !empty(inboundMailSecret)
  'inbound-mail-basic-auth-user': !empty(inboundMailBasicAuthUser)
  'inbound-mail-basic-auth-password': !empty(inboundMailBasicAuthPassword)
  'links-signing-key': !empty(linksSigningKey)
}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    blobContainers: [
      deploymentContainerName
    ]
  }
}

module logAnalytics 'modules/log-analytics.bicep' = {
  scope: rg
  params: {
    name: 'log-${resourceToken}'
    location: location
    tags: tags
  }
}

module appInsights 'modules/app-insights.bicep' = {
  scope: rg
  params: {
    name: 'appi-${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    secretNames: [for s in secretSettings: s.secretName]
    secretValues: {
      'stripe-webhook-secret': stripeWebhookSecret
      'stripe-api-key': stripeApiKey
      'sendgrid-api-key': sendGridApiKey
      'slack-webhook-url': slackWebhookUrl
      'toss-secret-key': tossSecretKey
      'paypal-client-id': payPalClientId
      'paypal-client-secret': payPalClientSecret
      'paypal-webhook-id': payPalWebhookId
      'inbound-mail-secret': inboundMailSecret
      'inbound-mail-basic-auth-user': inboundMailBasicAuthUser
      'inbound-mail-basic-auth-password': inboundMailBasicAuthPassword
      'links-signing-key': linksSigningKey
    }
  }
}

module scheduler 'modules/durable-task-scheduler.bicep' = if (useScheduler) {
  scope: rg
  params: {
    name: 'dts-${resourceToken}'
    location: location
    tags: tags
    taskHubName: taskHubName
  }
}

module plan 'modules/flex-plan.bicep' = {
  scope: rg
  params: {
    name: 'plan-${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'modules/rbac.bicep' = {
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    appInsightsName: appInsights.outputs.name
    keyVaultName: keyVault.outputs.name
    durableTaskSchedulerName: useScheduler ? scheduler!.outputs.name : ''
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// Identity-based connections only: the `__credential`/`__clientId` pairs replace every connection string.
var storageSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  AzureWebJobsStorage__blobServiceUri: storage.outputs.primaryBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.primaryQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.primaryTableEndpoint
  TASKHUB_NAME: taskHubName
  // Microsoft.Extensions.Azure spells it endpoint/credential/clientId (not the host's serviceUri).
  CrmTables__endpoint: storage.outputs.primaryTableEndpoint
  CrmTables__credential: 'managedidentity'
  CrmTables__clientId: identity.outputs.clientId
  AZURE_CLIENT_ID: identity.outputs.clientId
}

// host.json keeps the Azure Storage backend; these host-setting overrides switch it to the scheduler.
var schedulerSettings = useScheduler
  ? {
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${scheduler!.outputs.endpoint};Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
    }
  : {}

var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
}

var plainSettings = union(
  {
    SendGrid__FromEmail: sendGridFromEmail
    SendGrid__FromName: sendGridFromName
    Catalog__Path: 'catalog/catalog.json'
  },
  empty(sendGridEventWebhookPublicKey) ? {} : { SendGrid__EventWebhookPublicKey: sendGridEventWebhookPublicKey }
)

module functionApp 'modules/function-app.bicep' = {
  scope: rg
  params: {
    name: 'func-${resourceToken}'
    location: location
    tags: union(tags, { 'azd-service-name': 'functions' })
    serverFarmResourceId: plan.outputs.resourceId
    managedIdentities: {
      userAssignedResourceIds: [
        identity.outputs.resourceId
      ]
    }
    keyVaultAccessIdentityResourceId: identity.outputs.resourceId
    deploymentStorageContainerUrl: '${storage.outputs.primaryBlobEndpoint}${deploymentContainerName}'
    deploymentStorageIdentityResourceId: identity.outputs.resourceId
    instanceMemoryMB: instanceMemoryMB
    appSettingsKeyValuePairs: union(storageSettings, schedulerSettings, monitoringSettings, plainSettings)
    keyVaultName: keyVault.outputs.name
    keyVaultReferencedSettings: toObject(
      filter(secretSettings, s => secretSet[s.secretName]),
      s => s.setting,
      s => s.secretName
    )
    publicBaseUrl: linksBaseUrl
  }
  // The identity must hold its storage and Key Vault roles before the host first starts.
  dependsOn: [
    rbac
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_URL string = 'https://${functionApp.outputs.defaultHostname}'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = appInsights.outputs.name
output DURABLE_BACKEND string = durableBackend
output TASKHUB_NAME string = taskHubName
output CRM_TABLE_ENDPOINT string = storage.outputs.primaryTableEndpoint

// Stands in for br/public:avm/res/web/serverfarm:0.1.1 with the Flex Consumption SKU.

@description('Plan name.')
param name string

@description('Azure region.')
param location string

@description('Tags for the plan.')
param tags object = {}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux: Flex Consumption runs on Linux only
  }
}

output resourceId string = plan.id
output name string = plan.name

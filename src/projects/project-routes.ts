// HTTP for projects and their environments (FeatBit's ProjectController and EnvironmentController); rules live in project-service.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgRoutes } from '../platform/org-route.ts';
import { Description, Id, Key, Name, Type } from '../platform/schemas.ts';
import { projectService } from './project-service.ts';
import { SecretSchema } from '../sdk-keys/sdk-secret-view.ts';

/** FeatBit's EnvironmentSettings; null (as FeatBit's UI may send) keeps what is there. */
const Settings = Type.Object({ requireChangeComment: Type.Boolean() }, { additionalProperties: false });
const SettingsInput = Type.Optional(Type.Union([Settings, Type.Null()]));
const Environment = Type.Object({
  id: Type.String(),
  projectId: Type.String(),
  name: Type.String(),
  key: Type.String(),
  description: Type.String(),
  secrets: Type.Array(SecretSchema),
  settings: Settings,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const Project = Type.Object({ id: Type.String(), name: Type.String(), key: Type.String(), environments: Type.Array(Environment) });
const ProjectVm = Type.Object({ id: Type.String(), name: Type.String() });

const ProjectParams = Type.Object({ projectId: Id });
const EnvParams = Type.Object({ projectId: Id, envId: Id });

export async function projectRoutes(app: FastifyInstance, ctx: AppContext) {
  const projects = projectService(ctx);
  const route = orgRoutes(app, ['projects']);

  route.get('/projects', { summary: 'The projects, with their environments, that the caller can access [CanAccessProject, CanAccessEnv]', response: Type.Array(Project) }, (p) => projects.list(p));

  route.post(
    '/projects',
    {
      summary: 'Create a project with environments dev and prod; a taken key → 422 KeyHasBeenUsed [CreateProject on project/*]',
      body: Type.Object({ name: Name, key: Key }, { additionalProperties: false }),
      response: Project,
    },
    (p, r) => projects.create(p, r.body),
  );

  route.get('/projects/:projectId', { summary: 'A project [CanAccessProject]', params: ProjectParams, response: Project }, (p, r) => projects.get(p, r.params.projectId));

  route.put(
    '/projects/:projectId',
    {
      summary: "Rename a project (its key never changes) → FeatBit's ProjectVm {id, name} [UpdateProjectSettings]",
      params: ProjectParams,
      body: Type.Object({ name: Name }, { additionalProperties: false }),
      response: ProjectVm,
    },
    (p, r) => projects.update(p, r.params.projectId, r.body),
  );

  route.delete('/projects/:projectId', { summary: 'Delete a project with its environments, flags and segments [DeleteProject]', params: ProjectParams, response: Type.Boolean() }, (p, r) =>
    projects.remove(p, r.params.projectId),
  );

  route.post(
    '/projects/:projectId/envs',
    {
      summary: 'Create an environment; a taken key → 422 KeyHasBeenUsed [CreateEnv on the project]',
      params: ProjectParams,
      body: Type.Object({ name: Name, key: Key, description: Type.Optional(Type.Union([Description, Type.Null()])), settings: SettingsInput }, { additionalProperties: false }),
      response: Environment,
    },
    (p, r) => {
      const { description, ...rest } = r.body;
      return projects.createEnvironment(p, r.params.projectId, { ...rest, description: description ?? undefined });
    },
  );

  route.get('/projects/:projectId/envs/:envId', { summary: 'An environment [CanAccessEnv]', params: EnvParams, response: Environment }, (p, r) =>
    projects.getEnvironment(p, r.params.projectId, r.params.envId),
  );

  route.put(
    '/projects/:projectId/envs/:envId',
    {
      summary: "Update an environment's name, description and settings (its key never changes) [UpdateEnvSettings]",
      params: EnvParams,
      body: Type.Object({ name: Name, description: Type.Optional(Type.Union([Description, Type.Null()])), settings: SettingsInput }, { additionalProperties: false }),
      response: Environment,
    },
    (p, r) => projects.updateEnvironment(p, r.params.projectId, r.params.envId, r.body),
  );

  route.delete('/projects/:projectId/envs/:envId', { summary: 'Delete an environment with its flags and segments [DeleteEnv]', params: EnvParams, response: Type.Boolean() }, (p, r) =>
    projects.removeEnvironment(p, r.params.projectId, r.params.envId),
  );
}
